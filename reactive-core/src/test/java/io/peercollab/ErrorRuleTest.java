// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.spi.Announcement;
import io.peercollab.spi.DiscoveredPeer;
import io.peercollab.spi.InviteReply;
import io.peercollab.spi.InviteRequest;
import io.peercollab.spi.SessionFrame;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The one rule for errors, limit by limit: a value over a limit of the protocol is a typed {@link PeerCollabException}
 * ({@link PayloadTooLargeException} for a length or a size, {@link LimitExceededException} for a count) whose message
 * names the field and the limit; a programming error is an {@link IllegalArgumentException} or a
 * {@link NullPointerException}. Each limit is also tested at the limit itself, which must pass.
 */
class ErrorRuleTest {

	private static PeerIdentity alice;
	private static final UUID ID = UUID.randomUUID();
	private static final InetSocketAddress ADDRESS = new InetSocketAddress("127.0.0.1", 5000);
	private static final PeerApplication APP = PeerApplication.of(ID, "app", PeerScope.ALL);

	@BeforeAll
	static void identity() {
		alice = PeerIdentity.generate("alice");
	}

	private static String chars(int n) {
		return "x".repeat(n);
	}

	private static PeerContact contact(String nickname, String displayName, String email, int endPoints) {
		List<PeerEndPoint> eps = Collections.nCopies(endPoints, PeerEndPoint.of(ADDRESS));
		return new PeerContact(alice.name(), nickname, displayName, email, alice.certificate(), eps, false, null);
	}

	/** A limit: the call at the limit, the call just over it, the type and the exact message over it. */
	interface AtLimit {
		void call(int size);
	}

	static Stream<Arguments> limits() {
		return Stream.of(
				arguments("PresenceInfo.text", (AtLimit) n -> new PresenceInfo(PresenceStatus.BUSY, chars(n)), 255,
						PayloadTooLargeException.class, "text must be at most 255 characters, was 256"),
				arguments("PeerApplication.description",
						(AtLimit) n -> new PeerApplication(ID, chars(n), null, PeerScope.ALL, null, null), 255,
						PayloadTooLargeException.class, "description must be at most 255 characters, was 256"),
				arguments("PeerApplication.data",
						(AtLimit) n -> new PeerApplication(ID, "", new byte[n], PeerScope.ALL, null, null), 16_384,
						PayloadTooLargeException.class, "data must be at most 16384 bytes, was 16385"),
				arguments("PeerApplication.path",
						(AtLimit) n -> new PeerApplication(ID, "", null, PeerScope.ALL, chars(n), null), 4_096,
						PayloadTooLargeException.class, "path must be at most 4096 characters, was 4097"),
				arguments("PeerObject.data", (AtLimit) n -> new PeerObject(ID, new byte[n], PeerScope.ALL), 16_384,
						PayloadTooLargeException.class, "data must be at most 16384 bytes, was 16385"),
				arguments("PeerEndPoint.name", (AtLimit) n -> new PeerEndPoint(chars(n), ADDRESS), 255,
						PayloadTooLargeException.class, "name must be at most 255 characters, was 256"),
				arguments("SessionMessage.data", (AtLimit) n -> new SessionMessage(alice.name(), new byte[n]), 65_536,
						PayloadTooLargeException.class, "data must be at most 65536 bytes, was 65537"),
				arguments("InvitationResponse.message",
						(AtLimit) n -> InvitationResponse.of(InvitationStatus.DECLINED, chars(n)), 255,
						PayloadTooLargeException.class, "message must be at most 255 characters, was 256"),
				arguments("PeerContact.nickname", (AtLimit) n -> contact(chars(n), "", "", 0), 255,
						PayloadTooLargeException.class, "nickname must be at most 255 characters, was 256"),
				arguments("PeerContact.displayName", (AtLimit) n -> contact("", chars(n), "", 0), 255,
						PayloadTooLargeException.class, "displayName must be at most 255 characters, was 256"),
				arguments("PeerContact.email", (AtLimit) n -> contact("", "", chars(n - 12) + "@example.org", 0), 254,
						PayloadTooLargeException.class, "email must be at most 254 characters, was 255"),
				arguments("PeerContact.endPoints", (AtLimit) n -> contact("", "", "", n), 16,
						LimitExceededException.class, "endPoints must hold at most 16 entries, was 17"),
				arguments("InviteRequest.senderNickname",
						(AtLimit) n -> new InviteRequest(ID, ID, chars(n), APP, "", null, Duration.ofMinutes(1)), 255,
						PayloadTooLargeException.class, "senderNickname must be at most 255 characters, was 256"),
				arguments("InviteRequest.message",
						(AtLimit) n -> new InviteRequest(ID, ID, "", APP, chars(n), null, Duration.ofMinutes(1)), 255,
						PayloadTooLargeException.class, "message must be at most 255 characters, was 256"),
				arguments("InviteRequest.data",
						(AtLimit) n -> new InviteRequest(ID, ID, "", APP, "", new byte[n], Duration.ofMinutes(1)),
						16_384, PayloadTooLargeException.class, "data must be at most 16384 bytes, was 16385"),
				arguments("InviteReply.message", (AtLimit) n -> new InviteReply(InvitationStatus.DECLINED, chars(n)),
						255, PayloadTooLargeException.class, "message must be at most 255 characters, was 256"),
				arguments("SessionFrame.data", (AtLimit) n -> new SessionFrame(null, new byte[n]), 65_536,
						PayloadTooLargeException.class, "data must be at most 65536 bytes, was 65537"),
				arguments("Announcement.nickname", (AtLimit) n -> new Announcement(alice.name(), chars(n), 1), 63,
						PayloadTooLargeException.class, "nickname must be at most 63 characters, was 64"),
				arguments("DiscoveredPeer.nickname",
						(AtLimit) n -> new DiscoveredPeer(alice.name(), chars(n), List.of(PeerEndPoint.of(ADDRESS))),
						63, PayloadTooLargeException.class, "nickname must be at most 63 characters, was 64"),
				arguments("PeerCollaboration.Builder.nickname",
						(AtLimit) n -> PeerCollaboration.builder().nickname(chars(n)), 63,
						PayloadTooLargeException.class, "nickname must be at most 63 characters, was 64"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("limits")
	void aValueOverALimitOfTheProtocolIsATypedErrorNamingTheFieldAndTheLimit(String field, AtLimit call, int limit,
			Class<? extends PeerCollabException> type, String message) {
		assertThatCode(() -> call.call(limit)).as("%s at its limit", field).doesNotThrowAnyException();

		assertThatThrownBy(() -> call.call(limit + 1)).as(field)
				.isExactlyInstanceOf(type)
				.hasMessage(message);
	}

	static Stream<Arguments> programmingErrors() {
		return Stream.of(
				arguments("a null status", (ThrowingCallable) () -> new PresenceInfo(null, ""),
						NullPointerException.class, "status"),
				arguments("a null application id",
						(ThrowingCallable) () -> new PeerApplication(null, "", null, PeerScope.ALL, null, null),
						NullPointerException.class, "id"),
				arguments("empty object data", (ThrowingCallable) () -> new PeerObject(ID, new byte[0], PeerScope.ALL),
						IllegalArgumentException.class, "data must hold at least 1 byte"),
				arguments("port 0", (ThrowingCallable) () -> new PeerEndPoint("x", new InetSocketAddress("127.0.0.1", 0)),
						IllegalArgumentException.class, "port"),
				arguments("a malformed e-mail address", (ThrowingCallable) () -> contact("", "", "nobody", 0),
						IllegalArgumentException.class, "email"),
				arguments("a negative expiry",
						(ThrowingCallable) () -> new InviteRequest(ID, ID, "", APP, "", null, Duration.ofSeconds(-1)),
						IllegalArgumentException.class, "expiry"),
				arguments("a malformed name", (ThrowingCallable) () -> PeerName.parse("no authority"),
						IllegalArgumentException.class, "PeerName"),
				arguments("an ACCEPTED response without a session",
						(ThrowingCallable) () -> InvitationResponse.of(InvitationStatus.ACCEPTED, ""),
						IllegalArgumentException.class, "session"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("programmingErrors")
	void aProgrammingErrorIsAnIllegalArgumentOrNullPointerException(String what, ThrowingCallable call,
			Class<? extends RuntimeException> type, String mentions) {
		assertThatThrownBy(call).as(what).isExactlyInstanceOf(type).hasMessageContaining(mentions)
				.isNotInstanceOf(PeerCollabException.class);
	}
}
