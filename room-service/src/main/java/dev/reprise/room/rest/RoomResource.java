package dev.reprise.room.rest;

import dev.reprise.platform.problem.Problem;
import dev.reprise.platform.security.CurrentUser;
import dev.reprise.room.rest.RoomRequests.AcceptInvitationRequest;
import dev.reprise.room.rest.RoomRequests.CreateRoomRequest;
import dev.reprise.room.rest.RoomRequests.InviteRequest;
import dev.reprise.room.rest.RoomRequests.RecordingConsentRequest;
import dev.reprise.room.rest.RoomViews.ParticipantView;
import dev.reprise.room.rest.RoomViews.RoomPage;
import dev.reprise.room.rest.RoomViews.RoomView;
import dev.reprise.room.rest.RoomViews.TimelineEntryView;
import dev.reprise.room.service.RoomService;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/rooms")
@Authenticated
@Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Rooms")
@SecurityScheme(securitySchemeName = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer", bearerFormat = "JWT")
@SecurityRequirement(name = "bearer")
public class RoomResource {

    private final RoomService rooms;
    private final CurrentUser caller;

    public RoomResource(RoomService rooms, CurrentUser caller) {
        this.rooms = rooms;
        this.caller = caller;
    }

    @POST
    @Operation(summary = "Create a room; the caller is its host")
    public Uni<Response> create(@NotNull(message = "a JSON body is required") @Valid CreateRoomRequest request,
            UriInfo uri) {
        return rooms.create(caller.id(), request.title(), request.roomSettings())
                .map(details -> Response.created(uri.getAbsolutePathBuilder().path(details.room().id.toString()).build())
                        .entity(RoomView.of(details)).build());
    }

    @GET
    @Operation(summary = "List live rooms, most recently started first")
    public Uni<RoomPage> listLive(@QueryParam("page") @DefaultValue("0") @Min(value = 0, message = "must be 0 or more") int page,
            @QueryParam("size") @DefaultValue("20") @Min(value = 1, message = "must be at least 1") @Max(value = 100, message = "must be at most 100") int size) {
        return rooms.listLive(page, size).map(RoomPage::of);
    }

    @GET
    @Path("/{roomId}")
    @Operation(summary = "A room with the participants present and their roles")
    public Uni<RoomView> get(@PathParam("roomId") UUID roomId) {
        return rooms.get(roomId).map(RoomView::of);
    }

    @POST
    @Path("/{roomId}/start")
    @Operation(summary = "Go live (host only)")
    public Uni<RoomView> start(@PathParam("roomId") UUID roomId) {
        return rooms.start(roomId, caller.id()).map(RoomView::of);
    }

    @POST
    @Path("/{roomId}/end")
    @Operation(summary = "End the room (host or moderator)")
    public Uni<RoomView> end(@PathParam("roomId") UUID roomId) {
        return rooms.end(roomId, caller.id(), caller.isModerator()).map(RoomView::of);
    }

    @POST
    @Path("/{roomId}/join")
    @Operation(summary = "Join as a listener; joining again while present changes nothing")
    public Uni<ParticipantView> join(@PathParam("roomId") UUID roomId) {
        return rooms.join(roomId, caller.id()).map(ParticipantView::of);
    }

    @POST
    @Path("/{roomId}/leave")
    @Operation(summary = "Leave the room; leaving again changes nothing")
    public Uni<Response> leave(@PathParam("roomId") UUID roomId) {
        return rooms.leave(roomId, caller.id()).replaceWith(Response.noContent().build());
    }

    @POST
    @Path("/{roomId}/invitations")
    @Operation(summary = "Invite a listener to speak (host only)")
    public Uni<ParticipantView> invite(@PathParam("roomId") UUID roomId,
            @NotNull(message = "a JSON body is required") @Valid InviteRequest request) {
        return rooms.invite(roomId, caller.id(), request.userId()).map(ParticipantView::of);
    }

    @POST
    @Path("/{roomId}/invitations/{userId}/accept")
    @Operation(summary = "Accept your invitation and become a speaker, saying whether you may be recorded")
    public Uni<ParticipantView> accept(@PathParam("roomId") UUID roomId, @PathParam("userId") String userId,
            @NotNull(message = "a JSON body is required") @Valid AcceptInvitationRequest request) {
        return rooms.acceptInvitation(roomId, caller.id(), userId, request.recordingConsent()).map(ParticipantView::of);
    }

    @PUT
    @Path("/{roomId}/speakers/{userId}/recording-consent")
    @Operation(summary = "Say whether you may be recorded from now on (the speaker only)")
    public Uni<ParticipantView> changeRecordingConsent(@PathParam("roomId") UUID roomId,
            @PathParam("userId") String userId,
            @NotNull(message = "a JSON body is required") @Valid RecordingConsentRequest request) {
        return rooms.changeRecordingConsent(roomId, caller.id(), userId, request.recordingConsent())
                .map(ParticipantView::of);
    }

    @DELETE
    @Path("/{roomId}/participants/{userId}")
    @Operation(summary = "Remove a participant (host only)")
    public Uni<Response> remove(@PathParam("roomId") UUID roomId, @PathParam("userId") String userId) {
        return rooms.remove(roomId, caller.id(), userId).replaceWith(Response.noContent().build());
    }

    @GET
    @Path("/{roomId}/timeline")
    @Operation(summary = "Who joined, spoke and left, when (host, moderators and participants)")
    public Uni<List<TimelineEntryView>> timeline(@PathParam("roomId") UUID roomId) {
        return rooms.timeline(roomId, caller.id(), caller.isModerator())
                .map(entries -> entries.stream().map(TimelineEntryView::of).toList());
    }
}
