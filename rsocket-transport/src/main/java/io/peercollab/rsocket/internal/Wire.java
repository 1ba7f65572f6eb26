// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

import io.peercollab.ApplicationChange;
import io.peercollab.ChangeType;
import io.peercollab.InvitationStatus;
import io.peercollab.MessageText;
import io.peercollab.ObjectChange;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.identity.PeerName;
import io.peercollab.rsocket.internal.CborReader.Fields;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;

/**
 * The CBOR shapes of protocol version 1, one record per map, mapped to and from the domain by hand so that the wire
 * format is what PROTOCOL.md says and nothing else: renaming a domain field cannot change it. Every field is a CBOR
 * primitive (text, byte string, integer) or one of these maps; UUIDs, names and enums travel as text, durations as
 * milliseconds. Inbound maps are read by each record's {@code read(Fields)} with {@link CborReader}, which checks
 * presence, CBOR type and format (UUID, enum) and names the field of whatever is wrong; {@code toDomain()} then
 * converts, and the domain records' own constructors check the limits.
 */
final class Wire {

	private Wire() {
	}

	/** {@code peercollab.v1.invite} request. */
	record Invite(String invitationId, String sessionId, String senderNickname, Application application,
			String message, byte[] data, Long expiryMillis) {

		static Invite read(Fields f) {
			// in the order of PROTOCOL.md, so that the first wrong field is the one reported
			String invitationId = f.requiredUuid("invitationId");
			String sessionId = f.requiredUuid("sessionId");
			String senderNickname = f.text("senderNickname");
			Application application = f.requiredMap("application", Application::read);
			String message = f.text("message");
			byte[] data = f.bytes("data");
			long expiry = f.requiredInteger("expiryMillis");
			if (expiry <= 0) {
				throw f.invalid("expiryMillis", "expected a positive number of milliseconds, got " + expiry);
			}
			return new Invite(invitationId, sessionId, senderNickname, application, message, data, expiry);
		}

		/** Writes {@code r} as this record's map, without making the record or the texts of its UUIDs. */
		static void write(CborWriter w, InviteRequest r) {
			PeerApplication a = r.application();
			byte[] data = r.data();
			w.map(4 + present(r.senderNickname()) + present(r.message()) + present(data))
					.uuid("invitationId", r.invitationId())
					.uuid("sessionId", r.sessionId())
					.text("senderNickname", r.senderNickname())
					.key("application");
			Application.write(w, a);
			w.text("message", r.message())
					.bytes("data", data)
					.integer("expiryMillis", r.expiry().toMillis());
		}

		static Invite from(InviteRequest r) {
			return new Invite(r.invitationId().toString(), r.sessionId().toString(), r.senderNickname(),
					Application.from(r.application()), r.message(), r.data(), r.expiry().toMillis());
		}

		InviteRequest toDomain() {
			return new InviteRequest(UUID.fromString(invitationId), UUID.fromString(sessionId), senderNickname,
					application.toDomain(), message, data, Duration.ofMillis(expiryMillis));
		}
	}

	/** {@code peercollab.v1.invite} response. */
	record InviteAnswer(String status, String message, Integer extendedCode) {

		private static final java.util.Set<String> ANSWERS = java.util.Set.of(InvitationStatus.ACCEPTED.name(),
				InvitationStatus.DECLINED.name(), InvitationStatus.EXPIRED.name());

		static InviteAnswer read(Fields f) {
			// CANCELLED is the sender's own outcome, never an answer: refused as any other unknown status
			String status = f.requiredText("status");
			if (!ANSWERS.contains(status)) {
				throw f.invalid("status", "expected one of ACCEPTED, DECLINED, EXPIRED, got '"
						+ io.peercollab.MessageText.quote(status) + "'");
			}
			return new InviteAnswer(status, f.text("message"), f.int32("extendedCode"));
		}

		/** Writes {@code r} as this record's map, without making the record; without a code, as version 1 did. */
		static void write(CborWriter w, InviteReply r) {
			w.map(1 + present(r.message()) + (r.extendedCode() == null ? 0 : 1)).text("status", r.status().name())
					.text("message", r.message());
			if (r.extendedCode() != null) {
				w.integer("extendedCode", r.extendedCode());
			}
		}

		static InviteAnswer from(InviteReply r) {
			return new InviteAnswer(r.status().name(), r.message(), r.extendedCode());
		}

		InviteReply toDomain() {
			return new InviteReply(InvitationStatus.valueOf(status), message, extendedCode);
		}
	}

	/** {@code peercollab.v1.presence} response, and the presence of a presence event. */
	record Presence(String status, String text) {

		static Presence read(Fields f) {
			return new Presence(f.requiredConstant("status", PresenceStatus.class), f.text("text"));
		}

		static Presence from(PresenceInfo p) {
			return new Presence(p.status().name(), p.text());
		}

		/**
		 * Writes {@code p} as this record's map, without making the record: the answer to every presence read, which
		 * the data binder would encode with a generator and buffers of its own each time.
		 */
		static void write(CborWriter w, PresenceInfo p) {
			w.map(1 + present(p.text())).text("status", p.status().name()).text("text", p.text());
		}

		PresenceInfo toDomain() {
			return new PresenceInfo(PresenceStatus.valueOf(status), text);
		}
	}

	/** {@code peercollab.v1.card} response. */
	record Card(String card) {

		static Card read(Fields f) {
			return new Card(f.requiredText("card"));
		}

		String toDomain() {
			return card;
		}
	}

	/** One element of {@code peercollab.v1.applications}; never carries launch details. */
	record Application(String id, String description, byte[] data, String scope) {

		static Application read(Fields f) {
			return new Application(f.requiredUuid("id"), f.text("description"), f.bytes("data"),
					f.requiredConstant("scope", PeerScope.class));
		}

		/** Writes {@code a} as this record's map (never its launch details). */
		static void write(CborWriter w, PeerApplication a) {
			byte[] data = a.data();
			w.map(2 + present(a.description()) + present(data))
					.uuid("id", a.id())
					.text("description", a.description())
					.bytes("data", data)
					.text("scope", a.scope().name());
		}

		static Application from(PeerApplication a) {
			return new Application(a.id().toString(), a.description(), a.data(), a.scope().name());
		}

		PeerApplication toDomain() {
			return new PeerApplication(UUID.fromString(id), description, data, PeerScope.valueOf(scope), null, null);
		}
	}

	/** One element of {@code peercollab.v1.objects}. */
	record SharedObject(String id, byte[] data, String scope) {

		static SharedObject read(Fields f) {
			return new SharedObject(f.requiredUuid("id"), f.requiredBytes("data"),
					f.requiredConstant("scope", PeerScope.class));
		}

		static SharedObject from(PeerObject o) {
			return new SharedObject(o.id().toString(), o.data(), o.scope().name());
		}

		PeerObject toDomain() {
			return new PeerObject(UUID.fromString(id), data, PeerScope.valueOf(scope));
		}
	}

	/** {@code peercollab.v1.events} request. */
	record EventsRequest(Long afterVersion) {

		static EventsRequest read(Fields f) {
			long v = f.requiredInteger("afterVersion");
			if (v < -1) {
				throw f.invalid("afterVersion", "expected -1 or a version (0 or more), got " + v);
			}
			return new EventsRequest(v);
		}

		long toDomain() {
			return afterVersion;
		}
	}

	/** One element of {@code peercollab.v1.events}: {@code kind} tells which of the optional maps is present. */
	record Event(String kind, String type, Long version, Presence presence, Application application,
			SharedObject object) {

		private static final Set<String> EVENT_KINDS = Set.of("presence", "application", "object", "synced");

		static Event read(Fields f) {
			// in the order of PROTOCOL.md, so that the first wrong field is the one reported
			String kind = f.requiredText("kind");
			if (!EVENT_KINDS.contains(kind)) {
				throw f.invalid("kind", "expected one of presence, application, object, synced, got '"
						+ MessageText.quote(kind) + "'");
			}
			String type = kind.equals("synced") ? null : f.requiredConstant("type", ChangeType.class);
			long version = f.requiredInteger("version");
			return switch (kind) {
				case "presence" -> new Event(kind, type, version, f.requiredMap("presence", Presence::read), null,
						null);
				case "application" -> new Event(kind, type, version, null,
						f.requiredMap("application", Application::read), null);
				case "object" -> new Event(kind, type, version, null, null, f.requiredMap("object", SharedObject::read));
				default -> new Event(kind, null, version, null, null, null);
			};
		}

		static Event from(PeerEvent e) {
			if (e instanceof PresenceChange c) {
				return new Event("presence", c.type().name(), c.version(), Presence.from(c.presence()), null, null);
			}
			if (e instanceof ApplicationChange c) {
				return new Event("application", c.type().name(), c.version(), null,
						Application.from(c.application()), null);
			}
			if (e instanceof ObjectChange c) {
				return new Event("object", c.type().name(), c.version(), null, null,
						SharedObject.from(c.object()));
			}
			return new Event("synced", null, e.version(), null, null, null);
		}

		PeerEvent toDomain() {
			return switch (kind) {
				case "presence" -> new PresenceChange(ChangeType.valueOf(type), presence.toDomain(), version);
				case "application" -> new ApplicationChange(ChangeType.valueOf(type), application.toDomain(), version);
				case "object" -> new ObjectChange(ChangeType.valueOf(type), object.toDomain(), version);
				default -> new PeerEvent.Synced(version);
			};
		}
	}

	/** The first payload of {@code peercollab.v1.session}. */
	record Open(String invitationId, String sessionId, String applicationId, String resume, Long received) {

		/** The longest {@code resume} token a receiver keeps. */
		static final int MAX_RESUME_TOKEN = 64;

		Open(String invitationId, String sessionId, String applicationId) {
			this(invitationId, sessionId, applicationId, null, null);
		}

		static Open read(Fields f) {
			String invitationId = f.requiredUuid("invitationId");
			String sessionId = f.requiredUuid("sessionId");
			String applicationId = f.requiredUuid("applicationId");
			// optional, version 1.1 (PROTOCOL.md 5.8.1): a session the client may move to another connection
			String resume = f.text("resume");
			if (resume != null && (resume.isEmpty() || resume.length() > MAX_RESUME_TOKEN)) {
				throw f.invalid("resume", "expected 1 to " + MAX_RESUME_TOKEN + " characters, got "
						+ resume.length());
			}
			Long received = f.integer("received");
			if (received != null && (received < 0 || resume == null)) {
				throw f.invalid("received", resume == null ? "expected only with 'resume'"
						: "expected 0 or more, got " + received);
			}
			return new Open(invitationId, sessionId, applicationId, resume, received);
		}

		static Open from(SessionOpen o) {
			return new Open(o.invitationId().toString(), o.sessionId().toString(), o.applicationId().toString());
		}

		/** @return this opening, offering to resume the session under {@code token}, or re-attaching it */
		Open resuming(String token, Long receivedSoFar) {
			return new Open(invitationId, sessionId, applicationId, token, receivedSoFar);
		}

		SessionOpen toDomain() {
			return new SessionOpen(UUID.fromString(invitationId), UUID.fromString(sessionId),
					UUID.fromString(applicationId));
		}
	}

	/** Every later payload of {@code peercollab.v1.session}, both ways. */
	record Frame(String origin, byte[] data, Long seq, Long ack, Long end) {

		static Frame read(Fields f) {
			String origin = f.text("origin");
			if (origin != null) {
				try {
					PeerName.parse(origin);
				}
				catch (IllegalArgumentException e) {
					throw f.invalid("origin", "expected a PeerName, got '" + MessageText.quote(origin) + "': "
							+ e.getMessage());
				}
			}
			byte[] data = f.bytes("data");
			// optional, version 1.1 (PROTOCOL.md 5.8.1): the frame's number, and the last number received
			Long seq = f.integer("seq");
			if (seq != null && seq < 1) {
				throw f.invalid("seq", "expected 1 or more, got " + seq);
			}
			Long ack = f.integer("ack");
			if (ack != null && ack < 0) {
				throw f.invalid("ack", "expected 0 or more, got " + ack);
			}
			// optional, version 1.1: the end of the sender's frames, numbered as the frame it stands for
			Long end = f.integer("end");
			if (end != null) {
				if (end < 1) {
					throw f.invalid("end", "expected 1 or more, got " + end);
				}
				if (seq != null || data != null || origin != null) {
					throw f.invalid("end", "an end of frames carries no 'seq', 'data' or 'origin'");
				}
			}
			return new Frame(origin, data, seq, ack, end);
		}

		static Frame from(SessionFrame f) {
			return new Frame(f.origin() == null ? null : f.origin().toString(), f.data(), null, null, null);
		}

		SessionFrame toDomain() {
			return new SessionFrame(origin == null ? null : PeerName.parse(origin), data);
		}
	}

	/**
	 * {@code peercollab.v1.hello} response: the server's limits, so a client can size what it sends, the id of its
	 * running instance (absent from servers before it was added), and how the connection reached it, as the server
	 * sees it: {@code path} {@code "RELAYED"} through its TURN relay, else {@code "DIRECT"}; {@code local} the address
	 * it accepted a direct connection at, and {@code observed} the address it sees the client at (each absent from
	 * servers before they were added); {@code resumableSessions} the version of resumable sessions the server speaks
	 * (PROTOCOL.md 5.8.1): {@value #RESUMABLE_SESSIONS} numbers the frames of a session opened with a resume token and
	 * ends each direction in-band; absent from servers before it was added, and from one that does not keep sessions
	 * for re-attachment.
	 */
	record Hello(Integer maxPayloadSize, Integer maxInboundStreamsPerConnection, String instance, String path,
			String local, String observed, Integer resumableSessions) {

		/** The version of resumable sessions this implementation speaks: numbered frames, in-band ends. */
		static final int RESUMABLE_SESSIONS = 1;

		Hello(Integer maxPayloadSize, Integer maxInboundStreamsPerConnection, String instance) {
			this(maxPayloadSize, maxInboundStreamsPerConnection, instance, null, null, null, null);
		}

		/**
		 * @return whether the server numbers a resumable session's frames from the start, so that a client can end
		 *     its direction in-band before it has heard from the server
		 */
		boolean numbersSessionFrames() {
			return resumableSessions != null && resumableSessions >= RESUMABLE_SESSIONS;
		}

		/** @return this answer, saying that the server keeps resumable sessions ({@link #RESUMABLE_SESSIONS}) */
		Hello resumingSessions() {
			return new Hello(maxPayloadSize, maxInboundStreamsPerConnection, instance, path, local, observed,
					RESUMABLE_SESSIONS);
		}

		static Hello read(Fields f) {
			return new Hello(f.int32("maxPayloadSize"), f.int32("maxInboundStreamsPerConnection"), f.text("instance"),
					f.text("path"), f.text("local"), f.text("observed"), f.int32("resumableSessions"));
		}
	}

	/**
	 * {@code peercollab.v1.hello} request from a client: the address it dialled, so that a server reached through a
	 * port its NAT forwards can show that connection as mapped too. Absent on a relayed connection, and in the
	 * server's own {@code hello} (empty data).
	 *
	 * @param dialled the IP literal and port the client dialled, at most {@link ConnectionPaths#MAX_ADDRESS_LENGTH}
	 *     characters
	 */
	record HelloRequest(String dialled) {

		static HelloRequest read(Fields f) {
			return new HelloRequest(f.text("dialled"));
		}
	}

	/**
	 * {@code peercollab.v1.punch} request and response: in the request, the phase ({@code "connect"}: here is my
	 * mapped address, {@code "sync"}: start now) and, with {@code "connect"}, the caller's TCP-mapped address as
	 * learnt by STUN; in the response to {@code "connect"}, the answering end's.
	 *
	 * @param phase {@code "connect"} or {@code "sync"}; absent in responses
	 * @param ip the mapped IP address, 4 or 16 bytes; absent in a {@code "sync"} and its response
	 * @param port the mapped port, 1 to 65535; absent where {@code ip} is
	 */
	record Punch(String phase, byte[] ip, Integer port) {

		static Punch read(Fields f) {
			return new Punch(f.text("phase"), f.bytes("ip"), f.int32("port"));
		}
	}

	/** @return 1 if {@code value} is written (not {@code null}), else 0: a map's count leaves out absent fields */
	private static int present(Object value) {
		return value == null ? 0 : 1;
	}

	/**
	 * @return the reader of {@code type}'s CBOR map
	 * @throws IllegalArgumentException if {@code type} is not one of the records above (a bug)
	 */
	@SuppressWarnings("unchecked")
	static <W> Function<Fields, W> reader(Class<W> type) {
		Function<Fields, ?> reader = READERS.get(type);
		if (reader == null) {
			throw new IllegalArgumentException(type.getSimpleName() + " is not a wire record");
		}
		return (Function<Fields, W>) reader;
	}

	private static final Map<Class<?>, Function<Fields, ?>> READERS = Map.ofEntries(
			Map.entry(Invite.class, Invite::read), Map.entry(InviteAnswer.class, InviteAnswer::read),
			Map.entry(Presence.class, Presence::read), Map.entry(Card.class, Card::read),
			Map.entry(Application.class, Application::read), Map.entry(SharedObject.class, SharedObject::read),
			Map.entry(EventsRequest.class, EventsRequest::read), Map.entry(Event.class, Event::read),
			Map.entry(Open.class, Open::read), Map.entry(Frame.class, Frame::read),
			Map.entry(Hello.class, Hello::read), Map.entry(Punch.class, Punch::read),
			Map.entry(HelloRequest.class, HelloRequest::read));
}
