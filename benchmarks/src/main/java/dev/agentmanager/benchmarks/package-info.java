/**
 * JMH benchmarks of agentmanager beside Netflix Eureka's in-process registry, plus the memory and JDBC
 * measurements; {@link dev.agentmanager.benchmarks.BenchmarkSuite} runs them all and prints one table. Not
 * deployed. {@code mvn verify} runs each part once at a tiny size (the smoke tests in {@code src/test}) to catch a
 * part that no longer runs; it measures nothing.
 */
@NullMarked
package dev.agentmanager.benchmarks;

import org.jspecify.annotations.NullMarked;
