package dev.reprise.recording.service;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Extends a recording's lease by the clock while its finisher waits on object storage: every few seconds, whether
 * the waits are one long upload or many short fetches. The renewal throws {@link MixingWorker.LeaseLost} when
 * another replica took the recording over. One per finishing attempt, used by its own thread only.
 */
final class LeaseRenewal {

    private static final long EVERY_NANOS = Duration.ofSeconds(5).toNanos();

    private final Runnable renew;
    private long next = System.nanoTime() + EVERY_NANOS;

    LeaseRenewal(Runnable renew) {
        this.renew = renew;
    }

    /** Renews if the last renewal is a few seconds old. */
    void whenDue() {
        if (System.nanoTime() - next >= 0) {
            renew.run();
            next = System.nanoTime() + EVERY_NANOS;
        }
    }

    /**
     * Waits for {@code work}, renewing as due; gives up (cancelling it) after {@code limit}. A failure of the work
     * is thrown as it was thrown.
     */
    <T> T await(Future<T> work, Duration limit, String what) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            whenDue();
            long wait = Math.min(next - System.nanoTime(), deadline - System.nanoTime());
            try {
                return work.get(Math.max(1, wait), TimeUnit.NANOSECONDS);
            } catch (TimeoutException notYet) {
                if (System.nanoTime() - deadline >= 0) {
                    work.cancel(true);
                    throw new TimeoutException(what + " took longer than " + limit);
                }
            } catch (ExecutionException failed) {
                throw failed.getCause() instanceof Exception cause ? cause : failed;
            }
        }
    }
}
