package dev.agentmanager.spring.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A sample orchestrator on the starter: agents enrol on the application's HTTPS port ({@link AgentApi#register})
 * and heartbeat on the agent connector with their client certificate ({@link AgentApi#heartbeat}).
 */
@SpringBootApplication
public class SampleOrchestrator {
    public static void main(String[] args) {
        SpringApplication.run(SampleOrchestrator.class, args);
    }
}
