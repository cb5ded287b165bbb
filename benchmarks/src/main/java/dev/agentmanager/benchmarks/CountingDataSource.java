package dev.agentmanager.benchmarks;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Counts the JDBC statements executed through the data sources it {@linkplain #wrap wraps}: every
 * {@code executeQuery}, {@code executeUpdate}, {@code execute} and {@code executeLargeUpdate} of a statement,
 * prepared or not, counts one; an {@code executeBatch} counts one round trip, its rows are counted apart. Counts are
 * kept by caller (a label of the executing thread's name, so that the heartbeat path can be told from background
 * work) and SQL text. Commits and rollbacks are not statements here. Wrapping costs a reflective call per JDBC call,
 * small next to a database round trip.
 */
final class CountingDataSource {
    /** What ran: the caller's label and the statement's SQL text ({@code "?"} when the driver was not told it). */
    record Key(String caller, String sql) {}

    private static final Set<String> EXECUTES =
            Set.of("executeQuery", "executeUpdate", "execute", "executeLargeUpdate");
    private static final Set<String> BATCH_EXECUTES = Set.of("executeBatch", "executeLargeBatch");

    private final ConcurrentHashMap<Key, LongAdder> statements = new ConcurrentHashMap<>();
    private final LongAdder batchedRows = new LongAdder();
    /** Each thread's label, computed once per thread (thread names do not change here). */
    private final ThreadLocal<String> caller;

    /** @param callerOf labels a thread by its name */
    CountingDataSource(Function<String, String> callerOf) {
        this.caller = ThreadLocal.withInitial(
                () -> callerOf.apply(Thread.currentThread().getName()));
    }

    /** {@code target}, its connections and their statements counted here; every call is passed on. */
    DataSource wrap(DataSource target) {
        return proxy(DataSource.class, target, (method, args) -> {
            Object result = invoke(target, method, args);
            return result instanceof Connection c ? connection(c) : result;
        });
    }

    /** The statements executed so far, by caller and SQL text. */
    Map<Key, Long> statements() {
        Map<Key, Long> snapshot = new HashMap<>();
        statements.forEach((k, n) -> snapshot.put(k, n.sum()));
        return snapshot;
    }

    /** The rows of every batch executed so far. */
    long batchedRows() {
        return batchedRows.sum();
    }

    private Connection connection(Connection target) {
        return proxy(Connection.class, target, (method, args) -> {
            Object result = invoke(target, method, args);
            if (result instanceof Statement s) {
                String sql = method.getName().startsWith("prepare") && args != null && args[0] instanceof String text
                        ? text
                        : null;
                return statement(method.getReturnType(), s, sql);
            }
            return result;
        });
    }

    private Object statement(Class<?> type, Statement target, @Nullable String prepared) {
        int[] batch = {0}; // rows added since the last batch execution; a statement is used by one thread
        return proxy(type, target, (method, args) -> {
            String name = method.getName();
            if (EXECUTES.contains(name)) {
                count(args != null && args.length > 0 && args[0] instanceof String text ? text : prepared);
            } else if (BATCH_EXECUTES.contains(name)) {
                count(prepared);
                batchedRows.add(batch[0]);
                batch[0] = 0;
            } else if (name.equals("addBatch")) {
                batch[0]++;
            } else if (name.equals("clearBatch")) {
                batch[0] = 0;
            }
            return invoke(target, method, args);
        });
    }

    private void count(@Nullable String sql) {
        statements
                .computeIfAbsent(new Key(caller.get(), sql == null ? "?" : sql), k -> new LongAdder())
                .increment();
    }

    /** A call on the wrapped object; its own exception is thrown as is. */
    private static @Nullable Object invoke(Object target, Method method, Object @Nullable [] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private interface Call {
        @Nullable
        Object handle(Method method, Object @Nullable [] args) throws Throwable;
    }

    private static <T> T proxy(Class<T> type, Object target, Call call) {
        InvocationHandler handler = (self, method, args) -> {
            if (method.getDeclaringClass() == Object.class) { // equals, hashCode, toString: of the proxy itself
                return switch (method.getName()) {
                    case "equals" -> args != null && self == args[0];
                    case "hashCode" -> System.identityHashCode(self);
                    default -> "counted " + target;
                };
            }
            return call.handle(method, args);
        };
        return type.cast(
                Proxy.newProxyInstance(CountingDataSource.class.getClassLoader(), new Class<?>[] {type}, handler));
    }
}
