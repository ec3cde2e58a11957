package dev.reprise.platform.inbox;

/** An event that no retry can process (bad envelope or data); it goes straight to the dead-letter topic. */
public class PoisonEventException extends RuntimeException {
    public PoisonEventException(String message) {
        super(message);
    }
}
