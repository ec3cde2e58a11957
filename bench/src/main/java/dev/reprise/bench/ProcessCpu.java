package dev.reprise.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU time used by every process on the machine, by role (the service, PostgreSQL, Kafka, this JVM), read from
 * {@code /proc}. Throughput on a shared VM drifts with the host's load; CPU time per operation and where it goes
 * compares builds more steadily, and says which process a change made dearer.
 */
final class ProcessCpu {

    /** Linux reports utime and stime in clock ticks; 100 per second on every architecture Java runs on here. */
    private static final double MILLIS_PER_TICK = 10.0;

    private static final Pattern CHILD = Pattern.compile("-Dreprise\\.child=(\\S+)");

    private final Map<String, Long> ticksByRole;

    private ProcessCpu(Map<String, Long> ticksByRole) {
        this.ticksByRole = ticksByRole;
    }

    /** Every live process's CPU time so far, by role; {@code servicePid} is the service under test. */
    static ProcessCpu sample(long servicePid) {
        Map<String, Long> ticks = new TreeMap<>();
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                try {
                    long pid = Long.parseLong(process.getFileName().toString());
                    String stat = Files.readString(process.resolve("stat"));
                    // comm may hold spaces and parentheses: the fields after it start past the last ')'.
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long used = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                    ticks.merge(role(pid, servicePid, self, process), used, Long::sum);
                } catch (IOException | RuntimeException gone) {
                    // the process ended while being read: it no longer counts on either side
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc", e);
        }
        return new ProcessCpu(ticks);
    }

    /** CPU milliseconds per operation since {@code start}, by role, plus their total. */
    Map<String, Double> millisPerOperationSince(ProcessCpu start, long operations) {
        Map<String, Double> perOperation = new LinkedHashMap<>();
        double total = 0;
        for (var role : ticksByRole.entrySet()) {
            long used = role.getValue() - start.ticksByRole.getOrDefault(role.getKey(), 0L);
            double millis = used * MILLIS_PER_TICK / operations;
            if (used > 0) {
                perOperation.put(role.getKey(), millis);
            }
            total += millis;
        }
        perOperation.put("total", total);
        return perOperation;
    }

    private static String role(long pid, long servicePid, long self, Path process) throws IOException {
        if (pid == servicePid) {
            return "service";
        }
        if (pid == self) {
            return "load generator";
        }
        String commandLine = Files.readString(process.resolve("cmdline")).replace('\0', ' ');
        if (commandLine.contains("postgres")) {
            return "postgres";
        }
        if (commandLine.contains("kafka.Kafka")) {
            return "kafka";
        }
        // the stack's other servers run as child JVMs named on their command line (s3proxy: "s3")
        Matcher child = CHILD.matcher(commandLine);
        return child.find() ? child.group(1) : "other";
    }

    /**
     * One process's CPU time: its own (utime + stime) and that of its children it has waited for (cutime +
     * cstime: a service's ffmpeg runs, say), in ticks.
     */
    record Self(long own, long children) {

        static Self of(long pid) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return new Self(Long.parseLong(fields[11]) + Long.parseLong(fields[12]),
                        Long.parseLong(fields[13]) + Long.parseLong(fields[14]));
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("cannot read /proc/" + pid + "/stat", e);
            }
        }

        double secondsSince(Self start) {
            return selfSecondsSince(start) + childSecondsSince(start);
        }

        double selfSecondsSince(Self start) {
            return (own - start.own) * MILLIS_PER_TICK / 1000;
        }

        double childSecondsSince(Self start) {
            return (children - start.children) * MILLIS_PER_TICK / 1000;
        }
    }
}
