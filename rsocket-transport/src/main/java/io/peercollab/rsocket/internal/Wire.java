package io.peercollab.rsocket.internal;

import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;

import io.peercollab.ApplicationChange;
import io.peercollab.ChangeType;
import io.peercollab.InvalidRequestException;
import io.peercollab.InvitationStatus;
import io.peercollab.ObjectChange;
import io.peercollab.PeerApplication;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;

/**
 * The CBOR shapes of protocol version 1, one record per map, mapped to and from the domain by hand so that the wire
 * format is what PROTOCOL.md says and nothing else: renaming a domain field cannot change it. Every field is a CBOR
 * primitive (text, byte string, integer) or one of these maps; UUIDs, names and enums travel as text, durations as
 * milliseconds. {@code toDomain()} methods reject missing fields with {@link InvalidRequestException}; the domain
 * records' own constructors check the limits.
 */
final class Wire {

	private Wire() {
	}

	/** {@code peercollab.v1.invite} request. */
	record Invite(String invitationId, String sessionId, String senderNickname, Application application,
			String message, byte[] data, Long expiryMillis) {

		static Invite from(InviteRequest r) {
			return new Invite(r.invitationId().toString(), r.sessionId().toString(), r.senderNickname(),
					Application.from(r.application()), r.message(), r.data(), r.expiry().toMillis());
		}

		InviteRequest toDomain() {
			return new InviteRequest(uuid(invitationId, "invitationId"), uuid(sessionId, "sessionId"), senderNickname,
					required(application, "application").toDomain(), message, data,
					Duration.ofMillis(required(expiryMillis, "expiryMillis")));
		}
	}

	/** {@code peercollab.v1.invite} response. */
	record InviteAnswer(String status, String message) {

		static InviteAnswer from(InviteReply r) {
			return new InviteAnswer(r.status().name(), r.message());
		}

		InviteReply toDomain() {
			return new InviteReply(constant(InvitationStatus.class, status, "status"), message);
		}
	}

	/** {@code peercollab.v1.presence} response, and the presence of a presence event. */
	record Presence(String status, String text) {

		static Presence from(PresenceInfo p) {
			return new Presence(p.status().name(), p.text());
		}

		PresenceInfo toDomain() {
			return new PresenceInfo(constant(PresenceStatus.class, status, "status"), text);
		}
	}

	/** {@code peercollab.v1.card} response. */
	record Card(String card) {

		String toDomain() {
			return required(card, "card");
		}
	}

	/** One element of {@code peercollab.v1.applications}; never carries launch details. */
	record Application(String id, String description, byte[] data, String scope) {

		static Application from(PeerApplication a) {
			return new Application(a.id().toString(), a.description(), a.data(), a.scope().name());
		}

		PeerApplication toDomain() {
			return new PeerApplication(uuid(id, "application.id"), description, data,
					constant(PeerScope.class, scope, "application.scope"), null, null);
		}
	}

	/** One element of {@code peercollab.v1.objects}. */
	record SharedObject(String id, byte[] data, String scope) {

		static SharedObject from(PeerObject o) {
			return new SharedObject(o.id().toString(), o.data(), o.scope().name());
		}

		PeerObject toDomain() {
			return new PeerObject(uuid(id, "object.id"), required(data, "object.data"),
					constant(PeerScope.class, scope, "object.scope"));
		}
	}

	/** {@code peercollab.v1.events} request. */
	record EventsRequest(Long afterVersion) {

		long toDomain() {
			long v = required(afterVersion, "afterVersion");
			if (v < -1) {
				throw new InvalidRequestException("afterVersion must be -1 or more, was " + v);
			}
			return v;
		}
	}

	/** One element of {@code peercollab.v1.events}: {@code kind} tells which of the optional maps is present. */
	record Event(String kind, String type, Long version, Presence presence, Application application,
			SharedObject object) {

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
			long v = required(version, "version");
			String k = required(kind, "kind");
			return switch (k) {
				case "synced" -> new PeerEvent.Synced(v);
				case "presence" -> new PresenceChange(changeType(), required(presence, "presence").toDomain(), v);
				case "application" -> new ApplicationChange(changeType(),
						required(application, "application").toDomain(), v);
				case "object" -> new ObjectChange(changeType(), required(object, "object").toDomain(), v);
				default -> throw new InvalidRequestException(
						"kind must be presence, application, object or synced, was '" + abbreviate(k) + "'");
			};
		}

		private ChangeType changeType() {
			return constant(ChangeType.class, type, "type");
		}
	}

	/** The first payload of {@code peercollab.v1.session}. */
	record Open(String invitationId, String sessionId, String applicationId) {

		static Open from(SessionOpen o) {
			return new Open(o.invitationId().toString(), o.sessionId().toString(), o.applicationId().toString());
		}

		SessionOpen toDomain() {
			return new SessionOpen(uuid(invitationId, "invitationId"), uuid(sessionId, "sessionId"),
					uuid(applicationId, "applicationId"));
		}
	}

	/** Every later payload of {@code peercollab.v1.session}, both ways. */
	record Frame(String origin, byte[] data) {

		static Frame from(SessionFrame f) {
			return new Frame(f.origin() == null ? null : f.origin().toString(), f.data());
		}

		SessionFrame toDomain() {
			return new SessionFrame(origin == null ? null : PeerName.parse(origin), data);
		}
	}

	/**
	 * {@code peercollab.v1.hello} response: the server's limits, so a client can size what it sends, and the id of
	 * its running instance (absent from servers before it was added).
	 */
	record Hello(Integer maxPayloadSize, Integer maxInboundStreamsPerConnection, String instance) {
	}

	static <T> T required(T value, String field) {
		if (value == null) {
			throw new InvalidRequestException("missing field '" + field + "'");
		}
		return value;
	}

	static UUID uuid(String value, String field) {
		String v = required(value, field);
		// UUID.fromString also takes forms like "1-2-3-4-5"; the wire takes only the canonical one
		if (v.length() != 36) {
			throw new InvalidRequestException(field + " must be a UUID in its 36-character form, was '"
					+ abbreviate(v) + "'");
		}
		try {
			return UUID.fromString(v);
		}
		catch (IllegalArgumentException e) {
			throw new InvalidRequestException(field + " must be a UUID, was '" + v + "'");
		}
	}

	static <E extends Enum<E>> E constant(Class<E> type, String value, String field) {
		String v = required(value, field);
		try {
			return Enum.valueOf(type, v);
		}
		catch (IllegalArgumentException e) {
			throw new InvalidRequestException(field + " must be one of " + Arrays.toString(type.getEnumConstants())
					+ ", was '" + abbreviate(v) + "'");
		}
	}

	private static String abbreviate(String s) {
		return s.length() <= 40 ? s : s.substring(0, 40) + "...";
	}
}
