package dev.reprise.room.service;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/** Ends rooms whose host has been gone longer than the grace period. Safe with several replicas. */
@ApplicationScoped
public class HostAbsenceMonitor {

    private static final Logger LOG = Logger.getLogger(HostAbsenceMonitor.class);

    private final RoomService rooms;
    /** Set while the check fails, so that an outage is logged once, not at every run of the check. */
    private volatile boolean failing;

    public HostAbsenceMonitor(RoomService rooms) {
        this.rooms = rooms;
    }

    @Scheduled(every = "${reprise.room.host-absence-check-interval}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> endAbandonedRooms() {
        return rooms.roomsWithHostAbsentTooLong()
                .onItem().transformToMulti(ids -> Multi.createFrom().iterable(ids))
                .onItem().transformToUniAndConcatenate(id -> rooms.endIfHostAbsent(id)
                        .onFailure().recoverWithItem(failure -> {
                            LOG.warnf(failure, "Could not end abandoned room %s; will retry", id);
                            return false;
                        }))
                .collect().asList()
                .replaceWithVoid()
                .invoke(() -> {
                    if (failing) {
                        failing = false;
                        LOG.info("Checking for abandoned rooms again");
                    }
                })
                .onFailure().recoverWithUni(failure -> {
                    if (!failing) {
                        failing = true;
                        LOG.warnf("Cannot check for abandoned rooms (%s); retrying at every interval, logged again"
                                + " only once it works", failure.toString());
                    }
                    return Uni.createFrom().voidItem();
                });
    }
}
