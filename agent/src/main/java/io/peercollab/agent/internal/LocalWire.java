// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.peercollab.AlreadyExistsException;
import io.peercollab.ApplicationChange;
import io.peercollab.ChangeType;
import io.peercollab.Diagnostic;
import io.peercollab.InvalidContactCardException;
import io.peercollab.InvalidRequestException;
import io.peercollab.InvitationStatus;
import io.peercollab.InvitationClosedException;
import io.peercollab.IpLiterals;
import io.peercollab.LimitExceededException;
import io.peercollab.NoConnectivityException;
import io.peercollab.NotAuthorizedException;
import io.peercollab.NotFoundException;
import io.peercollab.NotSignedInException;
import io.peercollab.ObjectChange;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.PeerAddress;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollabException;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerEvent;
import io.peercollab.PeerIdentityException;
import io.peercollab.PeerIdentityMismatchException;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.PeerUnreachableException;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.RemoteEndPoint;
import io.peercollab.TcpAddress;
import io.peercollab.agent.NotCarriedByAgentException;
import io.peercollab.contact.PeerContact;
import io.peercollab.contact.SubscribeAllowed;
import io.peercollab.identity.PeerName;
import io.rsocket.Payload;
import io.rsocket.exceptions.ApplicationErrorException;
import io.rsocket.exceptions.RejectedSetupException;
import io.rsocket.util.DefaultPayload;
import org.jspecify.annotations.Nullable;
import reactor.core.Exceptions;

/**
 * The agent's local protocol: RSocket frames whose metadata is a route name (UTF-8) and whose data is CBOR. The setup
 * frame carries {@link Hello}; every other request names one of the routes below. Errors travel as an RSocket
 * application error whose message is {@code SimpleTypeName: message}, mapped back to the same PeerCollab type.
 */
public final class LocalWire {

	/** The largest frame the local channel accepts (a session message or object plus its framing). */
	public static final int MAX_FRAME = 256 * 1024;

	static final String HELLO = "hello";
	static final String STOP = "agent.stop";
	static final String STATE = "state";
	static final String SIGN_IN = "signIn";
	static final String SIGN_OUT = "signOut";
	static final String SIGN_IN_CHANGES = "signInChanges";
	static final String SET_NICKNAME = "nickname.set";
	static final String SET_END_POINT_NAME = "endPointName.set";
	static final String SET_ADVERTISED = "advertisedEndPoints.set";
	static final String END_POINT_NAME_CHANGES = "endPointNameChanges";
	static final String SET_PRESENCE = "presence.set";
	static final String PRESENCE_CHANGES = "presenceChanges";
	static final String REGISTER = "application.register";
	static final String UNREGISTER = "application.unregister";
	static final String APPLICATION_CHANGES = "applicationChanges";
	static final String SET_OBJECT = "object.set";
	static final String DELETE_OBJECT = "object.delete";
	static final String CLEAR_USER_PICTURE = "userPicture.clear";
	static final String OBJECT_CHANGES = "objectChanges";
	static final String INVITATIONS = "invitations";
	static final String ACCEPT = "invitation.accept";
	static final String DECLINE = "invitation.decline";
	static final String OUTCOME = "invitation.outcome";
	static final String SESSION_RECEIVE = "session.receive";
	static final String SESSION_SEND = "session.send";
	static final String SESSION_ON_CLOSE = "session.onClose";
	static final String SESSION_DISPOSE = "session.dispose";
	static final String SESSION_MEMBER_CHANGES = "session.memberChanges";
	static final String PEER_PRESENCE = "peer.presence";
	static final String PEER_APPLICATIONS = "peer.applications";
	static final String PEER_OBJECTS = "peer.objects";
	static final String PEER_INVITE = "peer.invite";
	static final String PEER_INVITE_CANCEL = "peer.invite.cancel";
	static final String PEER_PATH_CHANGES = "peer.pathChanges";
	static final String PEER_EVENTS = "peer.events";
	static final String PEER_END_POINT_CHANGES = "peer.endPointChanges";
	static final String CONTACTS_UPDATE_ME = "contacts.updateMe";
	static final String CONTACTS_ADD = "contacts.add";
	static final String CONTACTS_CREATE = "contacts.create";
	static final String CONTACTS_FIND = "contacts.find";
	static final String CONTACTS_FIND_ALL = "contacts.findAll";
	static final String CONTACTS_UPDATE = "contacts.update";
	static final String CONTACTS_DELETE = "contacts.delete";
	static final String CONTACTS_IMPORT = "contacts.import";
	static final String CONTACTS_CHANGES = "contacts.changes";
	static final String CONTACTS_PRESENCES = "contacts.presences";
	static final String CONTACTS_ITEM_CHANGES = "contacts.itemChanges";
	static final String PEERS_NEAR_ME = "peersNearMe";
	static final String GET_PEERS_NEAR_ME = "peersNearMe.get";
	static final String PEER_NEAR_ME = "peerNearMe";
	static final String DIAGNOSTICS = "diagnostics";
	static final String REGISTERED_HERE = "application.registeredHere";

	private static final ObjectMapper MAPPER = CBORMapper.builder()
			.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

	private LocalWire() {
	}

	// ----- messages ------------------------------------------------------------------------------------------------

	/** The setup frame: the per-user secret and the attaching process. */
	public record Hello(String secret, long pid) {
	}

	/** The answer to {@code hello}: the agent's state and, for a launched application, its launch. */
	record HelloReply(State state, @Nullable Launch launch) {
	}

	/** What an attached application reads without asking: the agent's endpoint as it is now. */
	record State(long seq, String name, String nickname, String endPointName, String machineName, PeerScope scope,
			Presence presence, List<App> applications, List<Obj> objects, List<EndPoint> endPoints,
			List<EndPoint> advertised, Contact me) {
	}

	record Presence(PresenceStatus status, String text) {
		static Presence of(PresenceInfo p) {
			return new Presence(p.status(), p.text());
		}

		PresenceInfo info() {
			return new PresenceInfo(status, text);
		}
	}

	record App(UUID id, String description, byte[] data, PeerScope scope, String path, List<String> arguments) {
		static App of(PeerApplication a) {
			return new App(a.id(), a.description(), a.data(), a.scope(), a.path(), a.arguments());
		}

		PeerApplication application() {
			return new PeerApplication(id, description, data, scope, path, arguments);
		}
	}

	record Obj(UUID id, byte[] data, PeerScope scope) {
		static Obj of(PeerObject o) {
			return new Obj(o.id(), o.data(), o.scope());
		}

		PeerObject object() {
			return new PeerObject(id, data, scope);
		}
	}

	/**
	 * An endpoint: a TCP one by its host and port; one of another kind by its scheme and text only ({@code scheme} set),
	 * which an application may show but cannot hand back to the agent.
	 */
	record EndPoint(String name, String host, int port, @Nullable String scheme, @Nullable String text) {

		EndPoint(String name, String host, int port) {
			this(name, host, port, null, null);
		}

		/** @return the TCP endpoints of {@code endPoints}, the others left out */
		static List<EndPoint> of(List<PeerEndPoint> endPoints) {
			List<EndPoint> out = new ArrayList<>();
			for (PeerEndPoint e : endPoints) {
				if (e.address() instanceof TcpAddress) {
					out.add(shown(e));
				}
			}
			return out;
		}

		/** @return every endpoint of {@code endPoints}; fails if one is not TCP (it could not be handed back) */
		static List<EndPoint> strict(List<PeerEndPoint> endPoints, String field) {
			List<EndPoint> out = of(endPoints);
			if (out.size() != endPoints.size()) {
				throw new NotCarriedByAgentException(field + " has an endpoint that is not at a TCP address; the agent's"
						+ " local channel carries TCP endpoints only");
			}
			return out;
		}

		/** @return {@code e} as shown to an application: a TCP endpoint, else its scheme and text */
		static EndPoint shown(PeerEndPoint e) {
			if (e.address() instanceof TcpAddress tcp) {
				InetSocketAddress a = tcp.socketAddress();
				return new EndPoint(e.name(), IpLiterals.toString(a.getAddress()), a.getPort());
			}
			return new EndPoint(e.name(), "", 0, e.address().scheme(), e.address().toString());
		}

		static List<PeerEndPoint> endPoints(@Nullable List<EndPoint> list) {
			List<PeerEndPoint> out = new ArrayList<>();
			if (list != null) {
				list.forEach(e -> out.add(e.endPoint()));
			}
			return List.copyOf(out);
		}

		PeerEndPoint endPoint() {
			if (scheme != null) {
				return new PeerEndPoint(name, new ShownAddress(scheme, text == null ? "" : text));
			}
			return new PeerEndPoint(name, TcpAddress.of(new InetSocketAddress(IpLiterals.parseAddress(host), port)));
		}
	}

	/** An address of a kind the local channel does not carry, as the agent showed it: its scheme and its text. */
	record ShownAddress(String scheme, String text) implements PeerAddress {
		@Override
		public String toString() {
			return text;
		}
	}

	/** A contact; its certificate DER-encoded. */
	record Contact(String name, String nickname, String displayName, String email, byte[] certificate,
			List<EndPoint> endPoints, boolean subscribed, SubscribeAllowed subscribeAllowed) {

		/** @return {@code c}; fails if one of its endpoints is not TCP (it would be lost on its way back) */
		static Contact of(PeerContact c) {
			return of(c, EndPoint.strict(c.endPoints(), "the contact " + c.name()));
		}

		/** @return {@code c} to be shown only (the local contact): its endpoints that are not TCP left out */
		static Contact shown(PeerContact c) {
			return of(c, EndPoint.of(c.endPoints()));
		}

		private static Contact of(PeerContact c, List<EndPoint> endPoints) {
			try {
				return new Contact(c.name().toString(), c.nickname(), c.displayName(), c.email(),
						c.certificate().getEncoded(), endPoints, c.subscribed(), c.subscribeAllowed());
			}
			catch (CertificateEncodingException e) {
				throw new IllegalArgumentException("the certificate of contact " + c.name() + " cannot be encoded", e);
			}
		}

		PeerContact contact() {
			X509Certificate cert;
			try {
				cert = (X509Certificate) CertificateFactory.getInstance("X.509")
						.generateCertificate(new ByteArrayInputStream(certificate));
			}
			catch (CertificateException | ClassCastException e) {
				throw new InvalidRequestException("Contact.certificate is not an X.509 certificate: " + e.getMessage());
			}
			return new PeerContact(PeerName.parse(name), nickname, displayName, email, cert,
					EndPoint.endPoints(endPoints), subscribed, subscribeAllowed);
		}
	}

	/** The applications one attached application registered. */
	record Registered(List<UUID> ids) {
	}

	/** The new fields of the local contact. */
	record Me(String nickname, String displayName, String email) {
	}

	record ContactChangeMsg(ChangeType type, Contact contact) {
	}

	record ContactPresenceMsg(String name, Presence presence) {
	}

	record ItemChange(String contact, Event change) {
	}

	/**
	 * A {@link PeerEvent}: {@code kind} is {@code presence}, {@code application}, {@code object} or {@code synced};
	 * the field of its kind is set.
	 */
	record Event(String kind, @Nullable ChangeType type, @Nullable Presence presence, @Nullable App application,
			@Nullable Obj object, long version) {

		static Event of(PeerEvent e) {
			if (e instanceof PresenceChange p) {
				return new Event("presence", p.type(), Presence.of(p.presence()), null, null, p.version());
			}
			if (e instanceof ApplicationChange a) {
				return new Event("application", a.type(), null, App.of(a.application()), null, a.version());
			}
			if (e instanceof ObjectChange o) {
				return new Event("object", o.type(), null, null, Obj.of(o.object()), o.version());
			}
			return new Event("synced", null, null, null, null, e.version());
		}

		PeerEvent event() {
			return switch (kind) {
				case "presence" -> new PresenceChange(type, required(presence, "presence").info(), version);
				case "application" -> new ApplicationChange(type, required(application, "application").application(),
						version);
				case "object" -> new ObjectChange(type, required(object, "object").object(), version);
				case "synced" -> new PeerEvent.Synced(version);
				default -> throw new InvalidRequestException("Event.kind '" + kind + "' is unknown");
			};
		}

		private static <T> T required(@Nullable T value, String field) {
			if (value == null) {
				throw new InvalidRequestException("Event." + field + " is missing");
			}
			return value;
		}
	}

	/** One endpoint of a peer, as {@link RemoteEndPoint}. */
	record RemoteEp(String instance, EndPoint endPoint, String name, String nickname, Presence presence,
			List<App> applications, List<Obj> objects) {

		static RemoteEp of(RemoteEndPoint r) {
			List<App> apps = new ArrayList<>();
			r.applications().forEach(a -> apps.add(App.of(a)));
			List<Obj> objs = new ArrayList<>();
			r.objects().forEach(o -> objs.add(Obj.of(o)));
			return new RemoteEp(r.instance(), EndPoint.shown(r.endPoint()), r.name(), r.nickname(),
					Presence.of(r.presence()), apps, objs);
		}

		RemoteEndPoint remote() {
			List<PeerApplication> apps = new ArrayList<>();
			applications.forEach(a -> apps.add(a.application()));
			List<PeerObject> objs = new ArrayList<>();
			objects.forEach(o -> objs.add(o.object()));
			return new RemoteEndPoint(instance, endPoint.endPoint(), name, nickname, presence.info(), apps, objs);
		}
	}

	record EpChange(ChangeType type, RemoteEp endPoint) {
	}

	record AppChange(ChangeType type, App application, long version) {
	}

	record ObjChange(ChangeType type, Obj object, long version) {
	}

	record PresenceChangeMsg(ChangeType type, Presence presence, long version) {
	}

	/** An invitation received; {@code from} is the endpoint it came from, when the transport told it. */
	record Invite(String key, UUID id, String sender, String senderNickname, @Nullable EndPoint from,
			boolean fromContact, App application, String message, byte[] data, long expiresAtMillis) {

		Optional<PeerEndPoint> fromEndPoint() {
			return from == null ? Optional.empty() : Optional.of(from.endPoint());
		}
	}

	record Answer(String key, String message, @Nullable Integer extendedCode) {
	}

	record Session(String key, UUID id, App application, String host, boolean isHost, List<String> members) {
	}

	record SessionData(String key, byte[] data) {
	}

	record Message(String from, byte[] data) {
	}

	/** A member change of a session; {@code lost} is the message of why the member was lost, else {@code null}. */
	record MemberChange(ChangeType type, String member, @Nullable String lost) {
	}

	record Launch(Invite invitation, Session session) {
	}

	/**
	 * A peer: a contact ({@code contact} set), a peer near me ({@code near}: the one of that name the agent showed
	 * last, else as a name at an endpoint), else a name and the endpoint that must prove it.
	 */
	record PeerRef(String name, @Nullable EndPoint endPoint, @Nullable Contact contact, boolean near) {
	}

	/** A peer near me, as {@link PeerNearMe}. */
	record NearPeer(String name, String nickname, List<EndPoint> endPoints, boolean verified, String endPointName,
			String machineName) {

		static NearPeer of(PeerNearMe p) {
			List<EndPoint> endPoints = new ArrayList<>();
			p.endPoints().forEach(e -> endPoints.add(EndPoint.shown(e)));
			return new NearPeer(p.name().toString(), p.nickname(), endPoints, p.isVerified(), p.endPointName(),
					p.machineName());
		}
	}

	record NearMeEventMsg(ChangeType type, NearPeer peer) {
	}

	/** A {@link Diagnostic}; its cause by its type's simple name and its message. */
	record Diag(long epochSecond, int nano, String kind, String message, @Nullable String peer,
			@Nullable EndPoint address, @Nullable String causeType, @Nullable String causeMessage) {

		static Diag of(Diagnostic d) {
			Throwable cause = d.cause();
			return new Diag(d.time().getEpochSecond(), d.time().getNano(), d.kind().name(), d.message(),
					d.peer() == null ? null : d.peer().toString(),
					d.address() == null ? null : EndPoint.shown(PeerEndPoint.of(d.address())),
					cause == null ? null : cause.getClass().getSimpleName(), cause == null ? null : cause.getMessage());
		}

		Diagnostic diagnostic() {
			Throwable cause = null;
			if (causeType != null) {
				Function<String, RuntimeException> type = ERRORS.get(causeType);
				String text = causeMessage == null ? "" : causeMessage;
				cause = type != null ? type.apply(text) : new PeerCollabException(causeType + ": " + text);
			}
			return new Diagnostic(Instant.ofEpochSecond(epochSecond, nano), Diagnostic.Kind.of(kind), message,
					peer == null ? null : PeerName.parse(peer), address == null ? null : address.endPoint().address(),
					cause);
		}
	}

	/** An invitation to send; {@code expiryMillis} 0 for the agent's default. */
	/**
	 * An invitation to send; {@code ticket} (at most {@value #MAX_TICKET_LENGTH} characters) when the application may
	 * cancel it with {@link #PEER_INVITE_CANCEL}.
	 */
	record SendInvite(PeerRef peer, App application, String message, byte @Nullable [] data, long expiryMillis,
			@Nullable String ticket) {
	}

	/** The longest ticket of a {@link SendInvite}. */
	static final int MAX_TICKET_LENGTH = 64;

	/** The answer to an invitation sent; {@code session} when accepted. */
	record Response(InvitationStatus status, String message, @Nullable Integer extendedCode,
			@Nullable Session session) {
	}

	// ----- encoding ------------------------------------------------------------------------------------------------

	static Payload payload(String route, @Nullable Object body) {
		return DefaultPayload.create(body == null ? new byte[0] : write(body), route.getBytes(StandardCharsets.UTF_8));
	}

	static Payload reply(@Nullable Object body) {
		return DefaultPayload.create(body == null ? new byte[0] : write(body));
	}

	public static byte[] write(Object body) {
		try {
			return MAPPER.writeValueAsBytes(body);
		}
		catch (IOException e) {
			throw new IllegalStateException("cannot encode " + body.getClass().getSimpleName(), e);
		}
	}

	/** Reads a payload's data as {@code type}, releasing the payload. */
	static <T> T read(Payload payload, Class<T> type) {
		try {
			ByteBuffer data = payload.getData();
			byte[] bytes = new byte[data.remaining()];
			data.get(bytes);
			return MAPPER.readValue(bytes, type);
		}
		catch (IOException e) {
			throw new InvalidRequestException("malformed " + type.getSimpleName() + " on the agent's channel");
		}
		finally {
			payload.release();
		}
	}

	static String route(Payload payload) {
		return payload.hasMetadata() ? payload.getMetadataUtf8() : "";
	}

	static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	// ----- errors --------------------------------------------------------------------------------------------------

	private static final Map<String, Function<String, RuntimeException>> ERRORS = Map.ofEntries(
			Map.entry("AlreadyExistsException", AlreadyExistsException::new),
			Map.entry("InvalidRequestException", InvalidRequestException::new),
			Map.entry("InvitationClosedException", InvitationClosedException::new),
			Map.entry("LimitExceededException", LimitExceededException::new),
			Map.entry("NoConnectivityException", NoConnectivityException::new),
			Map.entry("NotAuthorizedException", NotAuthorizedException::new),
			Map.entry("NotFoundException", NotFoundException::new),
			Map.entry("NotSignedInException", NotSignedInException::new),
			Map.entry("PayloadTooLargeException", PayloadTooLargeException::new),
			Map.entry("PeerUnreachableException", PeerUnreachableException::new),
			Map.entry("PeerIdentityException", PeerIdentityException::new),
			Map.entry("PeerIdentityMismatchException", PeerIdentityMismatchException::new),
			Map.entry("InvalidContactCardException", InvalidContactCardException::new),
			Map.entry("NotCarriedByAgentException", NotCarriedByAgentException::new),
			Map.entry("IllegalArgumentException", IllegalArgumentException::new),
			Map.entry("PeerCollabException", PeerCollabException::new));

	/** How an overflow error (a subscriber past its buffer: reactor's own type) is named on the channel. */
	private static final String OVERFLOW = "OverflowException";

	/** The error to send for {@code t}: its type's simple name (one PeerCollab knows) and its message. */
	static Throwable toWire(Throwable t) {
		if (Exceptions.isOverflow(t)) {
			return new ApplicationErrorException(OVERFLOW + ": " + t.getMessage());
		}
		String type = ERRORS.containsKey(t.getClass().getSimpleName()) ? t.getClass().getSimpleName()
				: "PeerCollabException";
		return new ApplicationErrorException(type + ": " + t.getMessage());
	}

	/** The PeerCollab error an application error from the agent stands for; other errors as the agent being gone. */
	static Throwable fromWire(Throwable t) {
		if (t instanceof ApplicationErrorException e && e.getMessage() != null) {
			String m = e.getMessage();
			int colon = m.indexOf(": ");
			if (colon > 0 && m.substring(0, colon).equals(OVERFLOW)) {
				// a stream's subscriber fell behind its buffer in the agent, as it would embedded
				return Exceptions.failWithOverflow(m.substring(colon + 2));
			}
			if (colon > 0 && ERRORS.containsKey(m.substring(0, colon))) {
				return ERRORS.get(m.substring(0, colon)).apply(m.substring(colon + 2));
			}
			return new PeerCollabException(m);
		}
		if (t instanceof RejectedSetupException) {
			return new NotAuthorizedException("the agent refused this application: " + t.getMessage());
		}
		if (t instanceof PeerCollabException || t instanceof IllegalArgumentException) {
			return t;
		}
		return new PeerUnreachableException("the agent cannot be reached: " + t, t);
	}
}
