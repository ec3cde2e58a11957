package dev.reprise.room.repository;

import dev.reprise.room.Room;
import dev.reprise.room.RoomStatus;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

@ApplicationScoped
public class RoomRepository implements PanacheRepositoryBase<Room, UUID> {

    /** Loads a room for a change: the row lock serializes a room's changes, and so the order of its events. */
    public Uni<Room> findForUpdate(UUID id) {
        return findById(id, LockModeType.PESSIMISTIC_WRITE);
    }

    public Uni<List<Room>> listLive(int page, int size) {
        // page * size overflows an int long before there are that many rooms: such a page is simply empty
        if ((long) page * size > Integer.MAX_VALUE - size) {
            return Uni.createFrom().item(List.of());
        }
        return find("status", Sort.descending("startedAt").and("id"), RoomStatus.LIVE)
                .page(Page.of(page, size)).list();
    }

    public Uni<Long> countLive() {
        return count("status", RoomStatus.LIVE);
    }

    public Uni<List<UUID>> idsWithHostAbsentSince(Instant before) {
        return find("select r.id from Room r where r.status <> ?1 and r.hostAbsentSince < ?2",
                RoomStatus.ENDED, before).project(UUID.class).list();
    }
}
