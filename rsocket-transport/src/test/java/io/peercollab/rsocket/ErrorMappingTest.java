// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.net.InetSocketAddress;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.peercollab.AlreadyExistsException;
import io.peercollab.InvalidContactCardException;
import io.peercollab.InvalidRequestException;
import io.peercollab.InvitationClosedException;
import io.peercollab.LimitExceededException;
import io.peercollab.NotAuthorizedException;
import io.peercollab.NotFoundException;
import io.peercollab.NotSignedInException;
import io.peercollab.PayloadTooLargeException;
import io.peercollab.PeerAddress;
import io.peercollab.PeerCollabException;
import io.peercollab.PeerIdentityException;
import io.peercollab.PeerIdentityMismatchException;
import io.peercollab.PeerUnreachableException;
import io.peercollab.PresenceInfo;
import io.peercollab.TcpAddress;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.rsocket.internal.ErrorCodes;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.SessionFrame;
import io.peercollab.spi.SessionOpen;
import io.peercollab.spi.TransportBinding;
import io.rsocket.exceptions.CustomRSocketException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each {@link PeerCollabException} subtype crosses the wire as its own error code and arrives as the same type with
 * the same message; a lost connection arrives as {@link PeerUnreachableException}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorMappingTest {

	private final PeerIdentity bob = TestPeers.identity("bob", KeyType.EC_P256);
	private final PeerIdentity alice = TestPeers.identity("alice", KeyType.EC_P256);
	private final RecordingHandler handler = new RecordingHandler();
	private TransportBinding server;
	private TransportBinding client;
	private PeerConnection connection;

	static Stream<Function<String, PeerCollabException>> everyType() {
		return Stream.of(PeerCollabException::new, InvalidRequestException::new, PayloadTooLargeException::new,
				LimitExceededException::new, NotAuthorizedException::new, NotFoundException::new,
				AlreadyExistsException::new, NotSignedInException::new, InvitationClosedException::new,
				PeerUnreachableException::new, PeerIdentityMismatchException::new, PeerIdentityException::new,
				InvalidContactCardException::new);
	}

	@BeforeAll
	void start() {
		server = TestPeers.bind(TestPeers.loopback(), bob, handler);
		client = TestPeers.bind(TestPeers.loopback(), alice, new RecordingHandler());
		connection = TestPeers.connect(client, server, bob);
	}

	@AfterAll
	void stop() {
		TestPeers.dispose(client, server);
	}

	@ParameterizedTest
	@MethodSource("everyType")
	void everyExceptionTypeArrivesAsItselfWithItsMessageOnEveryInteractionModel(
			Function<String, PeerCollabException> type) {
		PeerCollabException error = type.apply("refused: " + UUID.randomUUID());
		handler.failingWith(error);
		SessionOpen open = new SessionOpen(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());

		verifySame(connection.presence(), error);
		verifySame(connection.applications(), error);
		verifySame(connection.events(-1), error);
		verifySame(connection.session(open, Flux.<SessionFrame>never()), error);
	}

	@Test
	void everyTypeHasItsOwnCodeFrom0x301Upward() {
		Set<Integer> codes = Stream.of(ErrorCodes.values()).map(ErrorCodes::code).collect(Collectors.toSet());
		assertThat(codes).hasSize(ErrorCodes.values().length).allSatisfy(c -> assertThat(c).isGreaterThanOrEqualTo(0x301));
		assertThat(everyType().map(f -> ErrorCodes.of(f.apply("x").getClass())).distinct())
				.hasSize(ErrorCodes.values().length);
	}

	@ParameterizedTest
	@MethodSource("everyType")
	void mappingIsTheSameBothWays(Function<String, PeerCollabException> type) {
		PeerCollabException error = type.apply("words a user can act on");
		CustomRSocketException wire = ErrorCodes.toWire(error, "peercollab.v1.presence");
		Throwable back = ErrorCodes.fromWire(new CustomRSocketException(wire.errorCode(), wire.getMessage()),
				bob.name(), new InetSocketAddress("127.0.0.1", 1));

		assertThat(back).isExactlyInstanceOf(error.getClass()).hasMessage(error.getMessage());
	}

	@Test
	void anUnknownCodeArrivesAsPlainPeerCollabException() {
		Throwable back = ErrorCodes.fromWire(new CustomRSocketException(0x7777, "from the future"), bob.name(),
				new InetSocketAddress("127.0.0.1", 1));
		assertThat(back).isExactlyInstanceOf(PeerCollabException.class).hasMessage("from the future");
	}

	@Test
	void aSubclassTravelsAsTheTypeItExtends() {
		class NoSuchWhiteboard extends NotFoundException {
			private static final long serialVersionUID = 1L;

			NoSuchWhiteboard() {
				super("no whiteboard here");
			}
		}
		handler.failingWith(new NoSuchWhiteboard());
		StepVerifier.create(connection.presence())
				.expectErrorSatisfies(e -> assertThat(e).isExactlyInstanceOf(NotFoundException.class)
						.hasMessage("no whiteboard here"))
				.verify(TestPeers.TIMEOUT);
	}

	@Test
	void aHandlerBugArrivesAsPeerCollabExceptionWithoutItsDetails() {
		handler.failingWith(new IllegalStateException("secret internal state"));
		StepVerifier.create(connection.card())
				.expectErrorSatisfies(e -> assertThat(e).isExactlyInstanceOf(PeerCollabException.class)
						.hasMessageContaining("peercollab.v1.card")
						.hasMessageNotContaining("secret"))
				.verify(TestPeers.TIMEOUT);
	}

	@Test
	void aLostConnectionFailsPendingRequestsWithPeerUnreachableNamingThePeer() {
		PeerIdentity carol = TestPeers.identity("carol", KeyType.ED25519);
		RecordingHandler silent = new RecordingHandler();
		Sinks.One<Boolean> called = Sinks.one();
		silent.presence = Mono.<PresenceInfo>never().doOnSubscribe(s -> called.tryEmitValue(true));
		TransportBinding doomed = TestPeers.bind(TestPeers.loopback(), carol, silent);
		PeerConnection toCarol = TestPeers.connect(client, doomed, carol);

		StepVerifier.create(toCarol.presence())
				.then(() -> {
					called.asMono().block(TestPeers.TIMEOUT);
					doomed.dispose();
				})
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PeerUnreachableException.class)
						.hasMessageContaining(carol.name().toString()))
				.verify(TestPeers.TIMEOUT);
		StepVerifier.create(toCarol.onClose()).verifyComplete();
		doomed.onDispose().block(TestPeers.TIMEOUT);
	}

	@Test
	void connectingWhereNothingListensFailsWithPeerUnreachable() {
		PeerIdentity dave = TestPeers.identity("dave", KeyType.EC_P256);
		TransportBinding gone = TestPeers.bind(TestPeers.loopback(), dave, new RecordingHandler());
		PeerAddress address = gone.address();
		TestPeers.dispose(gone);

		StepVerifier.create(client.connect(dave.name(), address))
				.expectErrorSatisfies(e -> assertThat(e).isInstanceOf(PeerUnreachableException.class)
						.hasMessageContaining(dave.name().toString()))
				.verify(TestPeers.TIMEOUT);
	}

	private static void verifySame(org.reactivestreams.Publisher<?> request, PeerCollabException error) {
		StepVerifier.create(request)
				.expectErrorSatisfies(e -> assertThat(e).isExactlyInstanceOf(error.getClass())
						.hasMessage(error.getMessage()))
				.verify(TestPeers.TIMEOUT);
	}

}
