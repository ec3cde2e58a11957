package dev.reprise.recording.repository;

import dev.reprise.recording.RoomRecordingPolicy;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

@ApplicationScoped
public class RoomPolicyRepository implements PanacheRepositoryBase<RoomRecordingPolicy, UUID> {
}
