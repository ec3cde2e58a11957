package dev.reprise.stack.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Collects what the named loggers (and their children) log while it is open, for tests of what an operator sees
 * in the log. Quarkus routes its logging through {@code java.util.logging}, so a handler on a logger sees every
 * record logged to it or below it.
 */
public final class LogCapture implements AutoCloseable {

    private final List<Logger> loggers = new ArrayList<>();
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private LogCapture(String... loggerNames) {
        handler.setLevel(Level.ALL);
        for (String name : loggerNames) {
            Logger logger = Logger.getLogger(name);
            logger.addHandler(handler);
            loggers.add(logger);
        }
    }

    public static LogCapture of(String... loggerNames) {
        return new LogCapture(loggerNames);
    }

    /** Records at WARNING or above, in the order they were logged. */
    public List<LogRecord> warnings() {
        return records.stream().filter(record -> record.getLevel().intValue() >= Level.WARNING.intValue()).toList();
    }

    public List<LogRecord> all() {
        return List.copyOf(records);
    }

    @Override
    public void close() {
        for (Logger logger : loggers) {
            logger.removeHandler(handler);
        }
    }
}
