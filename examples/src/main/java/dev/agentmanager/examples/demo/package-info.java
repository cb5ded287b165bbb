/**
 * The demo: an orchestrator ({@link dev.agentmanager.examples.demo.DemoOrchestrator}: JDBC store on an
 * embedded H2 file, BouncyCastle CA, timeout monitor, a JSON API over HTTPS and mutual TLS) and simulated
 * agents playing a short scripted story ({@link dev.agentmanager.examples.demo.DemoStory}); run it with
 * {@link dev.agentmanager.examples.demo.DemoMain}.
 */
@NullMarked
package dev.agentmanager.examples.demo;

import org.jspecify.annotations.NullMarked;
