package dev.reprise.platform.testapp;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A row of {@code heard_event}; mapped so Hibernate Reactive runs in the test application as in a service. */
@Entity
@Table(name = "heard_event")
public class HeardEvent {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "event_id", nullable = false)
    public String eventId;

    @Column(name = "room_id", nullable = false)
    public UUID roomId;

    @Column(nullable = false)
    public String type;

    @Column(name = "heard_at", nullable = false)
    public Instant heardAt;
}
