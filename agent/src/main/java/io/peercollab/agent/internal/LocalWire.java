// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.peercollab.AlreadyExistsException;
import io.peercollab.ChangeType;
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
import io.peercollab.PayloadTooLargeException;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollabException;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerIdentityException;
import io.peercollab.PeerIdentityMismatchException;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.PeerUnreachableException;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.TcpAddress;
import io.peercollab.agent.NotCarriedByAgentException;
import io.rsocket.Payload;
import io.rsocket.exceptions.ApplicationErrorException;
import io.rsocket.exceptions.RejectedSetupException;
import io.rsocket.util.DefaultPayload;
import org.jspecify.annotations.Nullable;

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
	static final String PEER_PATH_CHANGES = "peer.pathChanges";

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
			List<EndPoint> advertised) {
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

	/** A TCP endpoint; the only kind carried over the local channel today. */
	record EndPoint(String name, String host, int port) {
		static List<EndPoint> of(List<PeerEndPoint> endPoints) {
			List<EndPoint> out = new ArrayList<>();
			for (PeerEndPoint e : endPoints) {
				if (e.address() instanceof TcpAddress tcp) {
					InetSocketAddress a = tcp.socketAddress();
					out.add(new EndPoint(e.name(), IpLiterals.toString(a.getAddress()), a.getPort()));
				}
			}
			return out;
		}

		PeerEndPoint endPoint() {
			return new PeerEndPoint(name, TcpAddress.of(new InetSocketAddress(IpLiterals.parseAddress(host), port)));
		}
	}

	record AppChange(ChangeType type, App application, long version) {
	}

	record ObjChange(ChangeType type, Obj object, long version) {
	}

	record PresenceChangeMsg(ChangeType type, Presence presence, long version) {
	}

	record Invite(String key, UUID id, String sender, String senderNickname, boolean fromContact, App application,
			String message, byte[] data, long expiresAtMillis) {
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

	/** A peer named by its name and the endpoint that must prove it. */
	record PeerRef(String name, EndPoint endPoint) {
	}

	/** An invitation to send; {@code expiryMillis} 0 for the agent's default. */
	record SendInvite(PeerRef peer, App application, String message, byte @Nullable [] data, long expiryMillis) {
	}

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

	/** The error to send for {@code t}: its type's simple name (one PeerCollab knows) and its message. */
	static Throwable toWire(Throwable t) {
		String type = ERRORS.containsKey(t.getClass().getSimpleName()) ? t.getClass().getSimpleName()
				: "PeerCollabException";
		return new ApplicationErrorException(type + ": " + t.getMessage());
	}

	/** The PeerCollab error an application error from the agent stands for; other errors as the agent being gone. */
	static Throwable fromWire(Throwable t) {
		if (t instanceof ApplicationErrorException e && e.getMessage() != null) {
			String m = e.getMessage();
			int colon = m.indexOf(": ");
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
