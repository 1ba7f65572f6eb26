// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import io.peercollab.identity.PeerName;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import org.jspecify.annotations.Nullable;

/**
 * Another endpoint: a {@link PeerNearMe} found on the local network, or a contact reached through
 * {@link PeerCollaboration#peer(io.peercollab.contact.PeerContact)}. Every call goes over a mutually authenticated
 * connection pinned to {@link #name()}: if the endpoint cannot prove that name, the call fails with
 * {@link PeerIdentityMismatchException}.
 *
 * <p>What the remote endpoint shows depends on who this endpoint is to it (see {@link PeerScope}): a stranger sees
 * what is published for people near me, an allowed contact also what is published for the Internet.
 */
public interface Peer {

	/** @return the peer's name; proven on every connection */
	PeerName name();

	/** @return the peer's nickname as last announced or stored; a claim, for display */
	String nickname();

	/** @return the addresses the peer is known at, most recently seen first */
	List<PeerEndPoint> endPoints();

	/**
	 * How this endpoint is connected to the peer now, as the transport reports it: {@link ConnectionPath#DIRECT},
	 * {@link ConnectionPath#MAPPED} (through a port the peer's NAT forwards), {@link ConnectionPath#HOLE_PUNCHED},
	 * {@link ConnectionPath#RELAYED}, or a path of another transport; the most direct one when several connections
	 * are open to it (several endpoints of a contact). {@link ConnectionPath#NOT_CONNECTED} while no connection this
	 * endpoint opened to the peer is open: before the first call reaches it, after its connection closed (idle, lost,
	 * signed out). Why an address was not used is told by {@link PeerCollaboration#diagnostics()}
	 * ({@code PATH_FAILED}).
	 *
	 * @return the path now
	 */
	ConnectionPath path();

	/**
	 * The changes of {@link #path()}: emits the path now, then each time it changes (a connection opened or closed,
	 * a relayed connection upgraded to a direct one), on the thread of the transport that reported it. Never completes
	 * by itself, not even while signed out (the path then reads {@link ConnectionPath#NOT_CONNECTED}); runs until
	 * cancelled. Overflow: only the latest path is kept for a subscriber that does not request.
	 *
	 * @return the paths
	 */
	Flux<ConnectionPath> pathChanges();

	/**
	 * Reads the peer's presence over a connection already open to it (for a contact, one that proved its name), or
	 * else over the first endpoint that answers.
	 *
	 * @return the peer's presence as it shows it to this endpoint; {@code OFFLINE} when it shows none; fails with
	 * {@link PeerUnreachableException} if no endpoint answers
	 */
	Mono<PresenceInfo> presence();

	/** @return the applications the peer shows to this endpoint, then completes */
	Flux<PeerApplication> applications();

	/** @return the objects the peer shows to this endpoint, then completes */
	Flux<PeerObject> objects();

	/**
	 * One application of the peer, as Windows' {@code PeerCollabEnumApplications} filtered by application id.
	 *
	 * @param id the application's id
	 * @return the application with this id if the peer shows it to this endpoint, else empty; fails as
	 * {@link #applications()}
	 * @throws NullPointerException if {@code id} is {@code null}
	 */
	default Mono<PeerApplication> application(UUID id) {
		Objects.requireNonNull(id, "id");
		return applications().filter(a -> a.id().equals(id)).next();
	}

	/**
	 * One object of the peer, as Windows' {@code PeerCollabEnumObjects} filtered by object id; for instance its user
	 * picture ({@link PeerObject#USER_PICTURE_ID}).
	 *
	 * @param id the object's id
	 * @return the object with this id if the peer shows it to this endpoint, else empty; fails as {@link #objects()}
	 * @throws NullPointerException if {@code id} is {@code null}
	 */
	default Mono<PeerObject> object(UUID id) {
		Objects.requireNonNull(id, "id");
		return objects().filter(o -> o.id().equals(id)).next();
	}

	/**
	 * The peer's live endpoints, as Windows' {@code PeerCollabEnumEndpoints} lists a contact's: every process signed
	 * in with its identity that this endpoint reaches, each with its own presence, applications, objects, nickname and
	 * endpoint name.
	 *
	 * <p>Emits the endpoints known now as {@code ADDED}, then every change: {@code ADDED} when a connection to another
	 * endpoint proves the peer's key (before what it shows is known: see {@link RemoteEndPoint}), {@code UPDATED} once
	 * its state arrived and on every change of it, {@code REMOVED} when it leaves (it signs out, its connection is
	 * lost, or it does not start sending its state within 10 s of being reached). For a contact
	 * ({@link PeerCollaboration#peer(io.peercollab.contact.PeerContact)}) every source is asked for its endpoints
	 * (the connections open to it, where it was last seen, its card, the peers near me, the configured resolvers such
	 * as the DHT) when the first subscriber arrives, again every 30 s, and 100 ms after an endpoint whose state had
	 * arrived left (its connection may have been cut only); an endpoint that signs in later is also reached as soon as
	 * this endpoint learns of it: when it proves the contact's name near me, or when any look-up of the contact returns
	 * its address. A call such as {@link #presence()} or {@link #invite} looks it up: it takes a connection already
	 * open to the contact as it is, and while the contact's endpoints are watched the sources are asked beside it (one
	 * round at a time, however often it is called). For a peer near me or a name at an address, the one endpoint it
	 * is.
	 *
	 * <p>Every local subscriber of the same peer shares one watch: one remote stream per endpoint
	 * ({@code peercollab.v1.events}), opened by the first subscriber and closed after the last one cancels. While this
	 * endpoint is signed out nothing is reached and the stream does not fail; it runs until cancelled. Overflow: each
	 * subscriber has a buffer of 1,024 changes and fails with an overflow error past it; it may subscribe again for
	 * the current state.
	 *
	 * @return the changes among the peer's endpoints
	 */
	Flux<EndPointChange> endPointChanges();

	/**
	 * One live endpoint of the peer, followed: Windows' {@code PeerCollabGetPresenceInfo},
	 * {@code PeerCollabEnumApplications} and {@code PeerCollabEnumObjects} called with an endpoint, as a stream. The
	 * endpoint is the one that {@link #endPointChanges()} shows reached at {@code endPoint}'s address (its
	 * {@link RemoteEndPoint#endPoint()} has the same {@link PeerEndPoint#address() address}; the names are not
	 * compared); once found, it is followed by its {@link RemoteEndPoint#instance() instance}.
	 *
	 * <p>Emits the endpoint as known when subscribing if it is live then, else as soon as it is reached (there is no
	 * timeout of its own: add {@code timeout(..)} or take {@code next()} with one); then the endpoint again after
	 * every change of its presence, applications, objects, nickname or endpoint name. The first value may come
	 * before its state arrived (presence {@code OFFLINE}, no items, as {@link RemoteEndPoint} says); the next one
	 * then brings the state. Completes, without a further value, when the endpoint leaves ({@code REMOVED} in
	 * {@link #endPointChanges()}: it signed out, its connection was lost, or it sent no state within 10 s); subscribe
	 * again to wait for it to come back. Fails, and overflows (a buffer of 1,024 changes, then an overflow error),
	 * as {@link #endPointChanges()}, whose shared watch it uses; while this endpoint is signed out it waits, and does
	 * not fail.
	 *
	 * <pre>{@code
	 * peer.endPoint(where).map(RemoteEndPoint::applications).subscribe(apps -> show(apps));
	 * }</pre>
	 *
	 * @param endPoint the address the endpoint was reached at, as in {@link #endPoints()} or an earlier
	 * {@link EndPointChange}
	 * @return the endpoint after each change, until it leaves
	 * @throws NullPointerException if {@code endPoint} is {@code null}
	 */
	default Flux<RemoteEndPoint> endPoint(PeerEndPoint endPoint) {
		Objects.requireNonNull(endPoint, "endPoint");
		PeerAddress address = endPoint.address();
		return Flux.defer(() -> {
			// the instance found at the address; a stream's signals are serial, so this subscription's own state
			String[] instance = new String[1];
			return endPointChanges().filter(c -> {
				if (instance[0] == null) {
					if (c.type() == ChangeType.REMOVED || !c.endPoint().endPoint().address().equals(address)) {
						return false;
					}
					instance[0] = c.endPoint().instance();
					return true;
				}
				return c.endPoint().instance().equals(instance[0]);
			}).takeWhile(c -> c.type() != ChangeType.REMOVED).map(EndPointChange::endPoint);
		});
	}

	/**
	 * What the peer shows across all of its live endpoints: {@link #endPointChanges()} folded into one view, emitted
	 * after each change (so once per endpoint known when subscribing, then once per change).
	 *
	 * @return the merged views; fails and overflows as {@link #endPointChanges()}
	 */
	default Flux<MergedEndPoints> mergedEndPoints() {
		return endPointChanges().scan(MergedEndPoints.NONE, MergedEndPoints::apply).skip(1);
	}

	/**
	 * Follows the peer: its presence, applications and objects.
	 *
	 * <p>Emits first the current state ({@link PresenceChange}, {@link ApplicationChange} and {@link ObjectChange} events
	 * of type {@code ADDED}), then {@link PeerEvent.Synced}, then every change as it happens. If the connection drops,
	 * it reconnects with exponential backoff (100 ms to 5 s) and resumes from the last version it saw: it emits only what
	 * changed meanwhile (computed against what it had emitted, so nothing is lost or repeated), then {@code Synced}
	 * again. Items that stop being visible to this endpoint arrive as {@code REMOVED}.
	 *
	 * <p>A peer that cannot be reached reads offline: when the stream's connection is lost (the peer's process died,
	 * its network went silent and the keepalive gave up, it moved) and the first reconnection fails, or no
	 * reconnection succeeds within 1 s, a {@link PresenceChange} of type {@code REMOVED} is emitted while the
	 * reconnection attempts go on; its applications and objects stay as last seen. When the peer answers again, its
	 * state is emitted as a diff against what was emitted (presence {@code ADDED}, applications and objects that
	 * changed), then {@code Synced}. A peer that signs out shows its presence {@code REMOVED} itself, before its
	 * connection closes. It fails with
	 * {@link PeerIdentityMismatchException} or {@link NotAuthorizedException} (not retried), and with
	 * {@link NotSignedInException} once this endpoint signs out; otherwise it runs until cancelled.
	 *
	 * <p>A contact ({@link PeerCollaboration#peer(io.peercollab.contact.PeerContact)}) may be signed in on several
	 * devices: following it follows every endpoint it has, as {@link #endPointChanges()} finds them (now, later near
	 * me, through the resolvers and the DHT), over the same watch (one remote stream per endpoint, shared with
	 * {@link #endPointChanges()}, {@link #mergedEndPoints()} and the contact manager's presences and item changes), and
	 * shows them merged as {@link #mergedEndPoints()} does: one presence, the most available of the endpoints' (so
	 * {@code UPDATED} when an endpoint that is more available arrives or the most available one leaves), and their
	 * applications and objects merged by id ({@code ADDED} when the first endpoint shows one, {@code REMOVED} when the
	 * last one stops). The events start once the state of a first endpoint arrived; each further endpoint whose state
	 * arrives (another device, or one back after it was lost) brings what it changes, then {@code Synced} again. An
	 * endpoint that leaves takes away what only it showed; when the last one is lost (killed, silent, moved: its
	 * stream failed), presence is {@code REMOVED} at once (there is no per-endpoint grace: the others, if any, still
	 * answer) while its applications and objects stay as last seen, and it is looked for again (100 ms later, every
	 * 30 s, and as soon as it is learnt near me or from a look-up). The versions of a contact's events are this
	 * endpoint's own count (they only grow), since each endpoint numbers its changes on its own; a contact's stream is
	 * not resumed by version, a re-established endpoint brings its whole state, diffed against what was emitted.
	 *
	 * <p>Overflow: the subscribers of one peer on this endpoint share one remote stream (for a contact, one per
	 * endpoint), opened by the first and closed after the last cancels. The remote endpoint buffers up to 1,024 events
	 * for that stream; past that it ends it and this endpoint resumes as above (a contact's endpoint leaves and is
	 * reached again 100 ms later; the contact's merged stream, if it falls 1,024 changes behind its endpoints, starts
	 * again from their state, diffed against what was emitted). This endpoint holds up to 1,024 events for each subscriber that does not
	 * request; past that it merges them per item (intermediate changes of one item merged, the latest value kept) and
	 * emits {@code Synced}, so a slow subscriber never holds back the others, may see intermediate changes of one item
	 * merged, and always reaches the latest state.
	 *
	 * @return the peer's events
	 */
	Flux<PeerEvent> events();

	/**
	 * Invites the peer into an application, with the endpoint's default expiry.
	 *
	 * <p>A contact ({@link PeerCollaboration#peer(io.peercollab.contact.PeerContact)}) is invited over the connections
	 * this endpoint has open to it, one per endpoint of the contact that proved its key on one; only when none is open,
	 * or the invitation fails on all of them, is the contact looked up again in every source (card, last seen, near
	 * me, resolvers) and every endpoint found invited. Either way the first {@code ACCEPTED} wins, else
	 * {@code DECLINED} if any declined, else {@code EXPIRED}. So an endpoint of the same contact that signed in
	 * elsewhere and has no connection from here yet is invited only once no connection to the contact is open; while
	 * this endpoint follows the contact ({@link #events()}, {@link #endPointChanges()}), it holds a connection to each
	 * endpoint the follow found, so every one of those is invited.
	 *
	 * @param application the application; the peer must have registered the same id
	 * @param message at most {@value Invitation#MAX_MESSAGE_LENGTH} characters, or {@code ""}
	 * @param data at most {@value Invitation#MAX_DATA_LENGTH} bytes, or {@code null}
	 * @return the answer: {@code ACCEPTED} (with the session), {@code DECLINED}, or {@code EXPIRED} if nobody answered in
	 * time; cancelling withdraws the invitation. Fails (before anything is sent) with {@link PayloadTooLargeException}
	 * if the message is longer than {@value Invitation#MAX_MESSAGE_LENGTH} characters or the data larger than
	 * {@value Invitation#MAX_DATA_LENGTH} bytes (the message names the field and the limit), with
	 * {@link NullPointerException} for a {@code null} application, {@link NotAuthorizedException}
	 * if the peer accepts invitations from contacts only, {@link PeerUnreachableException} if no endpoint answers or
	 * the peer is lost before it answers (its process died, its network went silent), {@link NotSignedInException}
	 * if this endpoint signs out or closes before the answer (the peer then sees the invitation withdrawn)
	 */
	Mono<InvitationResponse> invite(PeerApplication application, String message, byte @Nullable [] data);

	/**
	 * Sends an invitation, as {@link #invite(PeerApplication, String, byte[], Duration)} does, and returns a handle on
	 * it at once: its {@link SentInvitation#response() response} completes exactly once, and
	 * {@link SentInvitation#cancel() cancelling} it gives its own observers {@code CANCELLED} (the invitee sees it
	 * withdrawn, or never sees it if it was not delivered yet), as Windows' {@code PeerCollabCancelInvitation}.
	 *
	 * @return the handle; the invitation is on its way
	 * @throws NullPointerException if {@code application} or {@code expiry} is {@code null}
	 */
	default SentInvitation send(PeerApplication application, String message, byte[] data, Duration expiry) {
		Objects.requireNonNull(application, "application");
		Objects.requireNonNull(expiry, "expiry");
		return new OutgoingInvitation(this, invite(application, message, data, expiry));
	}

	/**
	 * Same as {@link #invite(PeerApplication, String, byte[])} with an expiry of its own; a negative or zero expiry
	 * fails with {@link IllegalArgumentException} (a programming error, not a limit).
	 */
	Mono<InvitationResponse> invite(PeerApplication application, String message, byte @Nullable [] data,
			Duration expiry);
}
