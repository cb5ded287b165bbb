package dev.agentmanager.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentmanager.AgentManager;
import dev.agentmanager.ca.bouncycastle.BouncyCastleCertificateService;
import dev.agentmanager.ca.bouncycastle.client.AgentKeys;
import dev.agentmanager.model.Registration;
import dev.agentmanager.model.RegistrationRequest;
import dev.agentmanager.model.RegistrationTokenRequest;
import dev.agentmanager.store.inmemory.InMemoryAgentStore;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** A forwarded client certificate is believed only from a trusted proxy and only while it is current. */
class ForwardedClientCertificateFilterTest {
    private static final String HEADER = "ssl-client-cert";
    private static final String PROXY = "10.0.0.5";

    private final AgentManager manager = AgentManager.builder()
            .store(new InMemoryAgentStore())
            .certificateService(BouncyCastleCertificateService.builder().build())
            .build();
    private final ForwardedClientCertificateFilter filter =
            new ForwardedClientCertificateFilter(TrustedProxies.parse(List.of("10.0.0.0/24")), HEADER, manager);

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void aTrustedProxysCertificateReachesTheControllerAsIfPresentedInTls() throws Exception {
        Registration agent = register("web-01");
        MockHttpServletRequest request =
                request(PROXY, urlEncoded(agent.certificate().certificatePem()));
        MockFilterChain chain = new MockFilterChain();

        filter.doFilter(request, new MockHttpServletResponse(), chain);

        assertThat(chain.getRequest()).as("passed on").isNotNull();
        assertThat(AgentCertificates.thumbprint(request))
                .contains(agent.certificate().thumbprint());
    }

    @Test
    void theHeaderFromAnUntrustedAddressIsRefused() throws Exception {
        Registration agent = register("web-01");
        MockHttpServletRequest request =
                request("203.0.113.9", urlEncoded(agent.certificate().certificatePem()));
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockFilterChain chain = new MockFilterChain();

        filter.doFilter(request, response, chain);

        assertThat(response.getStatus()).isEqualTo(403);
        assertThat(chain.getRequest()).as("not passed on").isNull();
        assertThat(AgentCertificates.certificate(request)).isEmpty();
    }

    @Test
    void aRevokedAgentsCertificateIsRefusedEvenFromATrustedProxy() throws Exception {
        Registration agent = register("web-01");
        manager.revoke(agent.agent().id());
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockFilterChain chain = new MockFilterChain();

        filter.doFilter(request(PROXY, urlEncoded(agent.certificate().certificatePem())), response, chain);

        assertThat(response.getStatus()).isEqualTo(403);
        assertThat(chain.getRequest()).isNull();
    }

    @Test
    void aHeaderThatIsNoCertificateIsRefused() throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockFilterChain chain = new MockFilterChain();

        filter.doFilter(request(PROXY, "not%20a%20certificate"), response, chain);

        assertThat(response.getStatus()).isEqualTo(403);
        assertThat(chain.getRequest()).isNull();
    }

    @Test
    void aRequestWithoutTheHeaderPassesUnchanged() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/agents/heartbeat");
        request.setRemoteAddr("203.0.113.9");
        MockFilterChain chain = new MockFilterChain();

        filter.doFilter(request, new MockHttpServletResponse(), chain);

        assertThat(chain.getRequest()).isSameAs(request);
        assertThat(AgentCertificates.certificate(request)).isEmpty();
    }

    @Test
    void readsPemWhosePlusSignsTheProxyLeftUnescaped() {
        Registration agent = register("web-01");
        String escapedExceptPlus =
                urlEncoded(agent.certificate().certificatePem()).replace("%2B", "+");

        assertThat(AgentCertificates.thumbprint(ForwardedClientCertificateFilter.decode(escapedExceptPlus)))
                .isEqualTo(agent.certificate().thumbprint());
    }

    private Registration register(String name) {
        String token =
                manager.createToken(RegistrationTokenRequest.oneTime(name)).plaintext();
        return manager.register(RegistrationRequest.builder()
                .token(token)
                .csrPem(AgentKeys.csrPem(AgentKeys.generate(), name))
                .name(name)
                .build());
    }

    private static MockHttpServletRequest request(String remoteAddress, String header) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/agents/heartbeat");
        request.setRemoteAddr(remoteAddress);
        request.addHeader(HEADER, header);
        return request;
    }

    private static String urlEncoded(String pem) {
        return URLEncoder.encode(pem, StandardCharsets.UTF_8).replace("+", "%20"); // as nginx escapes it
    }
}
