package dev.reprise.recording.repository;

import dev.reprise.recording.SpeakerConsent;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

@ApplicationScoped
public class SpeakerConsentRepository implements PanacheRepositoryBase<SpeakerConsent, Long> {
}
