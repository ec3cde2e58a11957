package dev.reprise.recording.service;

import dev.reprise.recording.config.RecordingConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The journals of this replica's live streams and the thread that makes them durable: every flush interval it
 * writes and forces what each journal received, and finishes the journals their streams closed, handing them to
 * the {@link SegmentSealer}. At start-up, journals a crash left behind are sealed first: what reached the disk is
 * kept.
 */
@ApplicationScoped
public class IngestJournals {

    private static final Logger LOG = Logger.getLogger(IngestJournals.class);

    private final Set<TrackJournal> open = ConcurrentHashMap.newKeySet();
    private final RecordingConfig.Ingest config;
    private final SegmentSealer sealer;
    private ScheduledExecutorService flusher;

    public IngestJournals(RecordingConfig config, SegmentSealer sealer) {
        this.config = config.ingest();
        this.sealer = sealer;
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

    public TrackJournal open(UUID trackId) throws IOException {
        TrackJournal journal = TrackJournal.create(config.journalDir(), trackId);
        open.add(journal);
        return journal;
    }

    /** The stream is done with this journal: the next flush finishes it and sends it to sealing. */
    public void close(TrackJournal journal) {
        journal.markClosing();
    }

    /** Makes everything received so far durable now (the chunk upload answers only after this). */
    public void flush(TrackJournal journal) throws IOException {
        journal.flush();
    }

    void flushAll() {
        for (TrackJournal journal : open) {
            try {
                if (journal.isClosing()) {
                    journal.finish();
                    open.remove(journal);
                    sealer.submit(journal.file());
                } else {
                    journal.flush();
                }
            } catch (IOException | RuntimeException e) {
                LOG.errorf(e, "Cannot write journal %s; its stream's audio stays in memory until it can", journal.file());
            }
        }
    }

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
        // Whatever is open is made durable; the next start seals it.
        for (TrackJournal journal : open) {
            try {
                journal.finish();
            } catch (IOException e) {
                LOG.errorf(e, "Cannot finish journal %s at shutdown", journal.file());
            }
        }
    }
}
