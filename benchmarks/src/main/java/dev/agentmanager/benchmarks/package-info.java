/**
 * JMH benchmarks of agentmanager beside Netflix Eureka's in-process registry, plus the memory and JDBC
 * measurements; {@link dev.agentmanager.benchmarks.BenchmarkSuite} runs them all and prints one table. Not
 * deployed; nothing here runs in {@code mvn verify}.
 */
@NullMarked
package dev.agentmanager.benchmarks;

import org.jspecify.annotations.NullMarked;
