/**
 * Spring Boot auto-configuration for agentmanager: {@code agentmanager.*} properties
 * ({@link dev.agentmanager.spring.AgentManagerProperties}), the manager following the application context's
 * lifecycle, a health indicator, a second embedded Tomcat connector for agents that requires and checks their
 * client certificates ({@link dev.agentmanager.spring.AgentConnector}), the presented certificate for controllers
 * ({@link dev.agentmanager.spring.AgentCertificates}), and client certificates forwarded by a TLS-terminating
 * proxy ({@link dev.agentmanager.spring.ForwardedClientCertificateFilter}).
 */
@NullMarked
package dev.agentmanager.spring;

import org.jspecify.annotations.NullMarked;
