package dev.reprise.recording.repository;

import dev.reprise.recording.Recording;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

@ApplicationScoped
public class RecordingRepository implements PanacheRepositoryBase<Recording, UUID> {

    public Uni<Recording> findByRoom(UUID roomId) {
        return find("roomId", roomId).firstResult();
    }
}
