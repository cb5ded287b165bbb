package dev.agentmanager.spring;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ResponseStatus;

/** A request that needed an agent's client certificate presented none; Spring MVC answers it with 401. */
@ResponseStatus(value = HttpStatus.UNAUTHORIZED, reason = "a client certificate is required")
public final class MissingClientCertificateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MissingClientCertificateException() {
        super("the request presented no client certificate");
    }
}
