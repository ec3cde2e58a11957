package dev.reprise.stack.runtime;

/** A child main for the tests: prints a line, sleeps, says so in a shutdown hook. */
public final class Sleeper {

    static final String READY = "sleeper ready";
    static final String HOOK = "sleeper shutdown hook";

    public static void main(String[] args) throws Exception {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println(HOOK)));
        System.out.println(READY);
        System.out.flush();
        Thread.sleep(Long.parseLong(args[0]));
    }
}
