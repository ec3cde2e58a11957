package dev.reprise.room.service;

import dev.reprise.room.Participant;
import dev.reprise.room.Room;
import java.util.List;

/** A room with the participants present in it now. */
public record RoomDetails(Room room, List<Participant> participants) {
}
