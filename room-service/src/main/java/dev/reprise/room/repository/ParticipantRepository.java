package dev.reprise.room.repository;

import dev.reprise.contracts.room.ParticipantRole;
import dev.reprise.room.Participant;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.UUID;

@ApplicationScoped
public class ParticipantRepository implements PanacheRepositoryBase<Participant, UUID> {

    public Uni<Participant> findInRoom(UUID roomId, String userId) {
        return find("roomId = ?1 and userId = ?2", roomId, userId).firstResult();
    }

    public Uni<List<Participant>> listPresent(UUID roomId) {
        return list("roomId = ?1 and present = true", Sort.ascending("joinedAt").and("userId"), roomId);
    }

    public Uni<Long> countPresentSpeakers(UUID roomId) {
        return count("roomId = ?1 and present = true and role = ?2", roomId, ParticipantRole.SPEAKER);
    }

    public Uni<Integer> markAllGone(UUID roomId, java.time.Instant at) {
        return update("present = false, leftAt = ?2, invitedAt = null where roomId = ?1 and present = true", roomId, at);
    }
}
