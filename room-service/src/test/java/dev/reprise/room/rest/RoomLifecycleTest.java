package dev.reprise.room.rest;

import static dev.reprise.room.rest.RoomApi.accept;
import static dev.reprise.room.rest.RoomApi.as;
import static dev.reprise.room.rest.RoomApi.createRoom;
import static dev.reprise.room.rest.RoomApi.invite;
import static dev.reprise.room.rest.RoomApi.join;
import static dev.reprise.room.rest.RoomApi.uniqueUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reprise.contracts.CloudEventHeaders;
import dev.reprise.contracts.EventCatalog;
import dev.reprise.contracts.EventType;
import dev.reprise.contracts.Topic;
import dev.reprise.stack.testing.EventSchemas;
import dev.reprise.stack.testing.LocalStackTestResource;
import dev.reprise.stack.testing.TopicTail;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = LocalStackTestResource.class,
        initArgs = @ResourceArg(name = "service", value = "room-service"))
class RoomLifecycleTest {

    @Test
    void aRoomFromCreationToEndThroughRestWithEveryEventOnKafka() {
        String host = uniqueUser("host");
        String alice = uniqueUser("alice");
        String bob = uniqueUser("bob");
        try (TopicTail roomTopic = TopicTail.fromEnd(Topic.ROOM.topicName())) {
            var created = as(host)
                    .body(Map.of("title", "  Late night jazz  ", "settings", Map.of("recording", true,
                            "transcription", true, "clipsAllowed", true, "retentionPolicy", "SAVED")))
                    .post("/rooms").then().statusCode(201).extract();
            String roomId = created.path("id");
            assertThat(created.header("Location")).endsWith("/rooms/" + roomId);
            as(host).get("/rooms/{id}", roomId).then().statusCode(200)
                    .body("title", equalTo("Late night jazz"))
                    .body("status", equalTo("CREATED"))
                    .body("settings.recording", equalTo(true))
                    .body("settings.retentionPolicy", equalTo("SAVED"))
                    .body("participants.userId", contains(host))
                    .body("participants.role", contains("HOST"));

            as(host).post("/rooms/{id}/start", roomId).then().statusCode(200).body("status", equalTo("LIVE"));
            as(alice).get("/rooms?size=100").then().statusCode(200).body("items.id", hasItem(roomId));

            join(alice, roomId).statusCode(200).body("role", equalTo("LISTENER"));
            join(bob, roomId).statusCode(200).body("role", equalTo("LISTENER"));
            invite(host, roomId, alice).statusCode(200).body("invitedToSpeak", equalTo(true));
            accept(alice, roomId, alice, true).statusCode(200)
                    .body("role", equalTo("SPEAKER")).body("recordingConsent", equalTo(true));
            as(bob).post("/rooms/{id}/leave", roomId).then().statusCode(204);
            as(host).delete("/rooms/{id}/participants/{user}", roomId, alice).then().statusCode(204);

            as(host).get("/rooms/{id}", roomId).then().statusCode(200)
                    .body("participants.userId", contains(host));
            as(alice).get("/rooms/{id}/timeline", roomId).then().statusCode(200)
                    .body("kind", contains("ROOM_CREATED", "ROOM_STARTED", "JOINED", "JOINED", "INVITED_TO_SPEAK",
                            "BECAME_SPEAKER", "LEFT", "REMOVED"))
                    .body("userId", contains(host, host, alice, bob, alice, alice, bob, alice));

            as(host).post("/rooms/{id}/end", roomId).then().statusCode(200)
                    .body("status", equalTo("ENDED")).body("endReason", equalTo("HOST_ENDED"))
                    .body("participants", org.hamcrest.Matchers.empty());
            as(alice).get("/rooms?size=100").then().statusCode(200).body("items.id", not(hasItem(roomId)));

            List<ConsumerRecord<String, byte[]>> events = roomTopic.awaitRecords(
                    record -> roomId.equals(record.key()), 9, Duration.ofSeconds(20));
            assertThat(events).extracting(record -> header(record, CloudEventHeaders.TYPE)).containsExactly(
                    EventCatalog.ROOM_CREATED.type(), EventCatalog.ROOM_STARTED.type(),
                    EventCatalog.PARTICIPANT_JOINED.type(), EventCatalog.PARTICIPANT_JOINED.type(),
                    EventCatalog.SPEAKER_INVITED.type(), EventCatalog.SPEAKER_ADDED.type(),
                    EventCatalog.PARTICIPANT_LEFT.type(), EventCatalog.PARTICIPANT_LEFT.type(),
                    EventCatalog.ROOM_ENDED.type());
            Set<String> ids = new HashSet<>();
            for (ConsumerRecord<String, byte[]> event : events) {
                assertCloudEvent(event, roomId);
                ids.add(header(event, CloudEventHeaders.ID));
            }
            assertThat(ids).hasSize(events.size());

            String added = new String(events.get(5).value(), StandardCharsets.UTF_8);
            assertThat(added).contains("\"userId\":\"" + alice + "\"").contains("\"recordingConsent\":true");
            String removed = new String(events.get(7).value(), StandardCharsets.UTF_8);
            assertThat(removed).contains("\"reason\":\"REMOVED\"").contains("\"removedBy\":\"" + host + "\"");
        }
    }

    @Test
    void aSpeakerWhoDeclinesRecordingIsAnnouncedAsNotConsenting() {
        String host = uniqueUser("host");
        String carol = uniqueUser("carol");
        try (TopicTail roomTopic = TopicTail.fromEnd(Topic.ROOM.topicName())) {
            String roomId = RoomApi.createLiveRoom(host, Map.of("recording", true));
            join(carol, roomId).statusCode(200);
            invite(host, roomId, carol).statusCode(200);
            accept(carol, roomId, carol, false).statusCode(200).body("recordingConsent", equalTo(false));
            as(host).get("/rooms/{id}", roomId).then()
                    .body("participants.find { it.userId == '" + carol + "' }.recordingConsent", equalTo(false));

            ConsumerRecord<String, byte[]> added = roomTopic.awaitRecords(record -> roomId.equals(record.key())
                    && EventCatalog.SPEAKER_ADDED.type().equals(header(record, CloudEventHeaders.TYPE)), 1,
                    Duration.ofSeconds(20)).get(0);
            assertThat(new String(added.value(), StandardCharsets.UTF_8)).contains("\"recordingConsent\":false");
        }
    }

    @Test
    void aSpeakerWithdrawsAndGivesRecordingConsentMidRoomAndOnlyTheyMay() {
        String host = uniqueUser("host");
        String dan = uniqueUser("dan");
        try (TopicTail roomTopic = TopicTail.fromEnd(Topic.ROOM.topicName())) {
            String roomId = RoomApi.createLiveRoom(host, Map.of("recording", true));
            join(dan, roomId).statusCode(200);
            invite(host, roomId, dan).statusCode(200);
            accept(dan, roomId, dan, true).statusCode(200);

            as(host).body(Map.of("recordingConsent", false))
                    .put("/rooms/{id}/speakers/{user}/recording-consent", roomId, dan).then().statusCode(403)
                    .contentType("application/problem+json");
            as(dan).body(Map.of()).put("/rooms/{id}/speakers/{user}/recording-consent", roomId, dan).then()
                    .statusCode(400);
            as(host).body(Map.of("recordingConsent", false))
                    .put("/rooms/{id}/speakers/{user}/recording-consent", roomId, host).then().statusCode(409)
                    .body("type", org.hamcrest.Matchers.endsWith("not-a-speaker"));

            as(dan).body(Map.of("recordingConsent", false))
                    .put("/rooms/{id}/speakers/{user}/recording-consent", roomId, dan).then().statusCode(200)
                    .body("recordingConsent", equalTo(false));
            // Saying it again changes nothing and announces nothing.
            as(dan).body(Map.of("recordingConsent", false))
                    .put("/rooms/{id}/speakers/{user}/recording-consent", roomId, dan).then().statusCode(200);
            as(dan).body(Map.of("recordingConsent", true))
                    .put("/rooms/{id}/speakers/{user}/recording-consent", roomId, dan).then().statusCode(200)
                    .body("recordingConsent", equalTo(true));

            java.util.function.Predicate<ConsumerRecord<String, byte[]>> consentChange = record ->
                    roomId.equals(record.key())
                    && EventCatalog.SPEAKER_CONSENT_CHANGED.type().equals(header(record, CloudEventHeaders.TYPE));
            roomTopic.awaitRecords(consentChange, 2, Duration.ofSeconds(20));
            List<ConsumerRecord<String, byte[]>> changes = roomTopic.recordsWithin(consentChange,
                    Duration.ofSeconds(2));
            assertThat(changes).extracting(record -> new String(record.value(), StandardCharsets.UTF_8))
                    .satisfiesExactly(
                            withdrawn -> assertThat(withdrawn).contains("\"userId\":\"" + dan + "\"")
                                    .contains("\"recordingConsent\":false"),
                            given -> assertThat(given).contains("\"recordingConsent\":true"));
            for (ConsumerRecord<String, byte[]> change : changes) {
                assertThat(EventSchemas.violations(EventCatalog.SPEAKER_CONSENT_CHANGED, change.value())).isEmpty();
            }
            as(host).get("/rooms/{id}/timeline", roomId).then().statusCode(200)
                    .body("findAll { it.kind == 'RECORDING_CONSENT_CHANGED' }.size()", equalTo(2));
        }
    }

    @Test
    void liveRoomsArePagedMostRecentFirst() {
        String host = uniqueUser("host");
        List<String> created = List.of(RoomApi.createLiveRoom(host, Map.of()), RoomApi.createLiveRoom(host, Map.of()),
                RoomApi.createLiveRoom(host, Map.of()));
        List<String> firstPage = as(host).get("/rooms?page=0&size=2").then().statusCode(200)
                .body("size", equalTo(2)).body("items.size()", equalTo(2)).extract().path("items.id");
        assertThat(firstPage).containsExactly(created.get(2), created.get(1));
        int total = as(host).get("/rooms?page=0&size=2").then().extract().path("totalItems");
        assertThat(total).isGreaterThanOrEqualTo(3);
        List<String> secondPage = as(host).get("/rooms?page=1&size=2").then().statusCode(200).extract().path("items.id");
        assertThat(secondPage).doesNotContainAnyElementsOf(firstPage);
    }

    @Test
    void theHostRejoiningKeepsTheRoomAndAHostGoneTooLongEndsIt() throws InterruptedException {
        String host = uniqueUser("host");
        String roomId = RoomApi.createLiveRoom(host, Map.of());
        as(host).post("/rooms/{id}/leave", roomId).then().statusCode(204);
        join(host, roomId).statusCode(200).body("role", equalTo("HOST"));
        Thread.sleep(3000); // longer than the test grace period (2 s): the host is back, so the room stays
        as(host).get("/rooms/{id}", roomId).then().body("status", equalTo("LIVE"));

        try (TopicTail roomTopic = TopicTail.fromEnd(Topic.ROOM.topicName())) {
            as(host).post("/rooms/{id}/leave", roomId).then().statusCode(204);
            ConsumerRecord<String, byte[]> ended = roomTopic.awaitRecords(record -> roomId.equals(record.key())
                    && EventCatalog.ROOM_ENDED.type().equals(header(record, CloudEventHeaders.TYPE)), 1,
                    Duration.ofSeconds(20)).get(0);
            assertThat(new String(ended.value(), StandardCharsets.UTF_8)).contains("\"reason\":\"HOST_ABSENT\"");
        }
        as(host).get("/rooms/{id}", roomId).then().body("status", equalTo("ENDED"))
                .body("endReason", equalTo("HOST_ABSENT"));
    }

    @Test
    void everyRoomEventTypeIsCoveredByTheseFlows() {
        // Guards the flows above: a new room event type must be exercised by one of them too (the consent
        // change by aSpeakerWithdrawsAndGivesRecordingConsentMidRoomAndOnlyTheyMay).
        assertThat(EventCatalog.all().stream().filter(type -> type.topic() == Topic.ROOM).map(EventType::type))
                .containsExactlyInAnyOrder(EventCatalog.ROOM_CREATED.type(), EventCatalog.ROOM_STARTED.type(),
                        EventCatalog.PARTICIPANT_JOINED.type(), EventCatalog.SPEAKER_INVITED.type(),
                        EventCatalog.SPEAKER_ADDED.type(), EventCatalog.SPEAKER_CONSENT_CHANGED.type(),
                        EventCatalog.PARTICIPANT_LEFT.type(), EventCatalog.ROOM_ENDED.type());
    }

    private static void assertCloudEvent(ConsumerRecord<String, byte[]> event, String roomId) {
        String type = header(event, CloudEventHeaders.TYPE);
        assertThat(header(event, CloudEventHeaders.SPEC_VERSION)).isEqualTo("1.0");
        assertThat(header(event, CloudEventHeaders.SOURCE)).isEqualTo("/reprise/room-service");
        assertThat(header(event, CloudEventHeaders.SUBJECT)).isEqualTo(roomId);
        assertThat(header(event, CloudEventHeaders.CONTENT_TYPE)).isEqualTo("application/json");
        assertThat(UUID.fromString(header(event, CloudEventHeaders.ID))).isNotNull();
        assertThat(Instant.parse(header(event, CloudEventHeaders.TIME))).isBefore(Instant.now().plusSeconds(1));
        EventType<?> eventType = EventCatalog.byType(type).orElseThrow();
        assertThat(eventType.topic()).isEqualTo(Topic.ROOM);
        assertThat(EventSchemas.violations(eventType, event.value())).as("schema violations of " + type).isEmpty();
    }

    /**
     * Six users join and leave one room, each from two devices at once, so their joins and leaves race. Every
     * change is decided under the room's row lock, so each user's story on Kafka must still alternate
     * joined/left, match the timeline entry for entry, and end with everyone but the host gone.
     */
    @Test
    void racingJoinsAndLeavesInOneRoomKeepEveryUsersStoryInOrder() throws Exception {
        String host = uniqueUser("host");
        String roomId = RoomApi.createLiveRoom(host, Map.of());
        List<String> crowd = IntStream.range(0, 6).mapToObj(i -> uniqueUser("crowd" + i)).toList();
        try (TopicTail roomTopic = TopicTail.fromEnd(Topic.ROOM.topicName())) {
            ExecutorService devices = Executors.newFixedThreadPool(crowd.size() * 2);
            try {
                List<Future<?>> running = new ArrayList<>();
                for (String user : crowd) {
                    for (int device = 0; device < 2; device++) {
                        running.add(devices.submit(() -> {
                            for (int cycle = 0; cycle < 5; cycle++) {
                                join(user, roomId).statusCode(200);
                                as(user).post("/rooms/{id}/leave", roomId).then().statusCode(204);
                            }
                        }));
                    }
                }
                for (Future<?> device : running) {
                    device.get(60, TimeUnit.SECONDS);
                }
            } finally {
                devices.shutdownNow();
            }
            as(host).get("/rooms/{id}", roomId).then().body("participants.userId", contains(host));

            var timeline = as(host).get("/rooms/{id}/timeline", roomId).then().statusCode(200).extract().jsonPath();
            Map<String, List<String>> kindsByUser = new HashMap<>();
            for (String user : crowd) {
                List<String> kinds = timeline.getList("findAll { it.userId == '" + user + "' }.kind", String.class);
                assertThat(kinds).as("timeline of %s", user).isNotEmpty().last().isEqualTo("LEFT");
                for (int i = 0; i < kinds.size(); i++) {
                    assertThat(kinds.get(i)).as("entry %d of %s", i, user).isEqualTo(i % 2 == 0 ? "JOINED" : "LEFT");
                }
                kindsByUser.put(user, kinds);
            }
            int changes = kindsByUser.values().stream().mapToInt(List::size).sum();

            List<ConsumerRecord<String, byte[]>> events = roomTopic.awaitRecords(record -> roomId.equals(record.key())
                    && header(record, CloudEventHeaders.TYPE).startsWith("dev.reprise.room.participant."),
                    changes, Duration.ofSeconds(30));
            var json = new ObjectMapper();
            Map<String, List<String>> eventKindsByUser = new HashMap<>();
            for (ConsumerRecord<String, byte[]> event : events) {
                String user = json.readTree(event.value()).get("userId").asText();
                String kind = EventCatalog.PARTICIPANT_JOINED.type().equals(header(event, CloudEventHeaders.TYPE))
                        ? "JOINED" : "LEFT";
                eventKindsByUser.computeIfAbsent(user, u -> new ArrayList<>()).add(kind);
            }
            assertThat(eventKindsByUser).isEqualTo(kindsByUser);
        }
    }

    static String header(ConsumerRecord<String, byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
