package dev.reprise.recording.service;

import dev.reprise.recording.config.RecordingConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The journals of this replica and the thread that makes them durable: every flush interval it writes and forces
 * what each journal received, closes journals that are old or idle for a segment's length (a muted stream, uploads
 * that stopped), and finishes the journals their writers closed, handing them to the {@link SegmentSealer}. At
 * start-up, journals a crash left behind are sealed first: what reached the disk is kept.
 */
@ApplicationScoped
public class IngestJournals {

    private static final Logger LOG = Logger.getLogger(IngestJournals.class);

    private final Set<TrackJournal> open = ConcurrentHashMap.newKeySet();
    private final RecordingConfig.Ingest config;
    private final SegmentSealer sealer;
    private ScheduledExecutorService flusher;

    private final io.vertx.mutiny.sqlclient.Pool pool;
    /** One flush round: live audio is durable at most a flush interval plus a round after it arrived. */
    private final Timer flushRound;

    public IngestJournals(RecordingConfig config, SegmentSealer sealer, io.vertx.mutiny.sqlclient.Pool pool,
            MeterRegistry registry) {
        this.config = config.ingest();
        this.sealer = sealer;
        this.pool = pool;
        this.flushRound = Timer.builder("reprise.recording.journal.flush")
                .description("One round of the journal flusher, writing and forcing what every journal received")
                .register(registry);
        registry.gauge("reprise.recording.journals.open", open, Set::size);
    }

    void start(@Observes StartupEvent started) throws IOException {
        Files.createDirectories(config.journalDir());
        List<Path> leftBehind;
        try (Stream<Path> files = Files.list(config.journalDir())) {
            leftBehind = files.filter(file -> file.getFileName().toString().endsWith(TrackJournal.SUFFIX)).sorted()
                    .toList();
        }
        if (!leftBehind.isEmpty()) {
            LOG.infof("Sealing %d journal(s) left by the previous run in %s", leftBehind.size(), config.journalDir());
            leftBehind.forEach(sealer::submit);
        }
        flusher = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "recording-journal-flusher");
            thread.setDaemon(true);
            return thread;
        });
        long interval = config.flushInterval().toMillis();
        flusher.scheduleWithFixedDelay(this::flushAll, interval, interval, TimeUnit.MILLISECONDS);
    }

    /** A new journal, flushed from now on by the flusher. */
    public TrackJournal open() {
        try {
            TrackJournal journal = TrackJournal.create(config.journalDir());
            open.add(journal);
            return journal;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a journal in " + config.journalDir(), e);
        }
    }

    /**
     * A new journal for audio of one recording: the recording's end waits for it to be sealed. The note is written
     * without waiting (this runs on a stream's thread); if it is lost the end does not wait, nothing else changes.
     */
    public TrackJournal open(java.util.UUID recordingId) {
        TrackJournal journal = open();
        pool.preparedQuery("INSERT INTO pending_journal (journal, recording_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(TrackJournal.nameOf(journal.file()), recordingId))
                .subscribe().with(ignored -> { }, failure -> LOG.warnf("Cannot note journal %s of recording %s as"
                        + " pending (%s); the recording's end will not wait for it", journal.file(), recordingId,
                        failure.toString()));
        return journal;
    }

    /** Journals not yet finished (still taking audio, or closed and waiting to be flushed). */
    public int openCount() {
        return open.size();
    }

    /** The writer is done with this journal: the next flush finishes it and sends it to sealing. */
    public void close(TrackJournal journal) {
        journal.markClosing();
    }

    void flushAll() {
        long segmentNanos = config.segmentLength().toNanos();
        long now = System.nanoTime();
        try {
            flushJournals(segmentNanos, now);
        } finally {
            flushRound.record(System.nanoTime() - now, TimeUnit.NANOSECONDS);
        }
    }

    private void flushJournals(long segmentNanos, long now) {
        for (TrackJournal journal : open) {
            try {
                if (!journal.isClosing() && (now - journal.createdNanos() > 2 * segmentNanos
                        || now - journal.lastAppendNanos() > segmentNanos)) {
                    journal.markClosing();
                }
                if (journal.isClosing() && !journal.held()) {
                    journal.finish();
                    open.remove(journal);
                    sealer.submit(journal.file());
                } else {
                    journal.flush();
                }
            } catch (IOException | RuntimeException e) {
                LOG.errorf(e, "Cannot write journal %s; its audio stays in memory until it can", journal.file());
            }
        }
    }

    /**
     * At shutdown everything received is made durable and sealed, within a time budget: in Kubernetes the journal
     * volume goes with the pod, so what is not in object storage by then is gone unless the same pod restarts.
     */
    void stop(@Observes ShutdownEvent stopping) {
        if (flusher == null) {
            return;
        }
        flusher.shutdown();
        try {
            flusher.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (TrackJournal journal : open) {
            try {
                journal.finish();
                open.remove(journal);
                sealer.submit(journal.file());
            } catch (IOException e) {
                LOG.errorf(e, "Cannot finish journal %s at shutdown", journal.file());
            }
        }
        try {
            sealer.awaitIdle(config.shutdownDrain());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (sealer.pending() > 0) {
            LOG.warnf("%d journal(s) not sealed before shutdown stay in %s for the next start", sealer.pending(),
                    config.journalDir());
        }
    }
}
