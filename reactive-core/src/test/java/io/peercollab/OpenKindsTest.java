// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Stream;

import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.EndpointRecord;
import io.peercollab.spi.EndpointSource;
import io.peercollab.spi.PeerNameResolver;
import io.peercollab.spi.PeerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Kinds that others extend are open: a transport reports a diagnostic kind of its own and a resolver names its own
 * source, and both travel through the library unchanged beside the library's own constants.
 */
class OpenKindsTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final InMemoryPeerTransport.Network net = new InMemoryPeerTransport.Network();
	private final List<PeerCollaboration> open = new ArrayList<>();

	@AfterEach
	void closeAll() {
		open.forEach(c -> c.close().block(WAIT));
	}

	static Stream<Arguments> factories() {
		Function<String, Object> kind = Diagnostic.Kind::of;
		Function<String, Object> source = EndpointSource::of;
		Function<String, Object> path = ConnectionPath::of;
		return Stream.of(Arguments.of("Diagnostic.Kind", kind), Arguments.of("EndpointSource", source),
				Arguments.of("ConnectionPath", path));
	}

	@Test
	void theLibrarysOwnKindsAreItsConstantsByName() {
		assertThat(Diagnostic.Kind.of("REJECTED_CONNECTION")).isSameAs(Diagnostic.Kind.REJECTED_CONNECTION);
		assertThat(Diagnostic.Kind.of("RESOLVE_FAILED")).isSameAs(Diagnostic.Kind.RESOLVE_FAILED);
		assertThat(EndpointSource.of("DHT")).isSameAs(EndpointSource.DHT);
		assertThat(ConnectionPath.of("HOLE_PUNCHED")).isSameAs(ConnectionPath.HOLE_PUNCHED);
		assertThat(Diagnostic.Kind.of("PATH_FAILED")).isSameAs(Diagnostic.Kind.PATH_FAILED);
		assertThat(ConnectionPath.of("BLUETOOTH").rank()).as("another transport's path ranks between hole-punched"
				+ " and relayed").isBetween(ConnectionPath.HOLE_PUNCHED.rank() + 1, ConnectionPath.RELAYED.rank() - 1);
		assertThat(EndpointSource.of("LAST_SEEN")).isSameAs(EndpointSource.LAST_SEEN);
		assertThat(Diagnostic.Kind.SPOOFED_NAME).hasToString("SPOOFED_NAME");
		assertThat(EndpointSource.NEAR_ME).hasToString("NEAR_ME");
		assertThat(Diagnostic.Kind.of("rejected_connection")).as("names are case-sensitive")
				.isNotEqualTo(Diagnostic.Kind.REJECTED_CONNECTION);
	}

	@Test
	void aKindOfAnotherPartyIsEqualByNameAndPrintsItsName() {
		Diagnostic.Kind relay = Diagnostic.Kind.of("relay.REFUSED");
		EndpointSource directory = EndpointSource.of("my-directory");

		assertThat(relay).isEqualTo(new Diagnostic.Kind("relay.REFUSED")).hasSameHashCodeAs(Diagnostic.Kind.of(
				"relay.REFUSED")).hasToString("relay.REFUSED").isNotEqualTo(Diagnostic.Kind.REJECTED_CONNECTION);
		assertThat(directory).isEqualTo(new EndpointSource("my-directory")).hasToString("my-directory")
				.isNotEqualTo(EndpointSource.DHT);
		assertThat(relay.name()).isEqualTo("relay.REFUSED");
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("factories")
	void aNameIsOneToSixtyFourCharactersOfLettersDigitsDotsUnderscoresAndHyphens(String type,
			Function<String, Object> of) {
		assertThat(of.apply("a")).hasToString("a");
		assertThat(of.apply("x".repeat(64))).hasToString("x".repeat(64));
		assertThat(of.apply("Az09._-")).hasToString("Az09._-");

		assertThatThrownBy(() -> of.apply(null)).isInstanceOf(NullPointerException.class).hasMessage("name");
		assertThatThrownBy(() -> of.apply("")).isInstanceOf(IllegalArgumentException.class)
				.hasMessageStartingWith(type + " name must be 1 to 64 characters").hasMessageEndingWith("(0 characters)");
		assertThatThrownBy(() -> of.apply("x".repeat(65))).isInstanceOf(IllegalArgumentException.class)
				.hasMessageContaining("1 to 64").hasMessageEndingWith("(65 characters)");
		for (String bad : List.of("with space", "ü", "a/b", "tab\t", "a:b")) {
			assertThatThrownBy(() -> of.apply(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
					.hasMessageContaining("A-Z a-z 0-9 . _ -");
		}
		assertThatThrownBy(() -> of.apply("new\nline")).hasMessageContaining("'new?line'");
		assertThatThrownBy(() -> of.apply("y".repeat(10_000))).message().hasSizeLessThan(200);
	}

	@Test
	void aTransportsOwnDiagnosticKindReachesDiagnosticsUnchanged() {
		Diagnostic.Kind relayRefused = Diagnostic.Kind.of("relay.REFUSED");
		Sinks.Many<Diagnostic> reported = Sinks.many().multicast().directBestEffort();
		PeerTransport inMemory = net.transport();
		PeerTransport reporting = (identity, handler) -> inMemory.bind(identity, handler)
				.map(b -> new ForwardingBinding(b) {
					@Override
					public Flux<Diagnostic> diagnostics() {
						return reported.asFlux().takeUntilOther(b.onDispose());
					}
				});
		PeerCollaboration alice = signedIn(PeerCollaboration.builder().identity(PeerIdentity.generate("alice"))
				.transport(reporting));
		Diagnostic sent = new Diagnostic(Instant.EPOCH, relayRefused, "the relay refused a reservation", null,
				TcpAddress.of(new InetSocketAddress("192.0.2.1", 4001)), null);

		StepVerifier.create(alice.diagnostics())
				.then(() -> assertThat(reported.tryEmitNext(sent)).isEqualTo(Sinks.EmitResult.OK))
				.assertNext(d -> {
					assertThat(d).isEqualTo(sent);
					assertThat(d.kind()).isEqualTo(Diagnostic.Kind.of("relay.REFUSED")).hasToString("relay.REFUSED");
				})
				.thenCancel()
				.verify(WAIT);
	}

	@Test
	void aResolverThatNamesItsOwnSourceIsUsedLikeTheLibrarysSources() {
		EndpointSource myDirectory = EndpointSource.of("my-directory");
		PeerIdentity bob = PeerIdentity.generate("bob");
		PeerIdentity aliceId = PeerIdentity.generate("alice");
		PeerCollaboration b = signedIn(PeerCollaboration.builder().identity(bob).transport(net.transport()));
		b.contacts().add(PeerContact.of(aliceId.name(), "Alice", aliceId.certificate())).block(WAIT);
		b.setPresence(PresenceInfo.of(PresenceStatus.BUSY)).block(WAIT);
		List<EndpointRecord> answered = new CopyOnWriteArrayList<>();
		PeerNameResolver directory = contact -> Flux
				.just(new EndpointRecord(b.endPoints().get(0), myDirectory, Duration.ofMinutes(5)))
				.doOnNext(answered::add);
		PeerCollaboration a = signedIn(PeerCollaboration.builder().identity(aliceId).transport(net.transport())
				.nameResolver(directory));

		PeerContact bobByCardOnly = PeerContact.of(bob.name(), "Bob", bob.certificate());
		assertThat(a.peer(bobByCardOnly).presence().block(WAIT).status()).isEqualTo(PresenceStatus.BUSY);
		assertThat(answered).isNotEmpty().allSatisfy(r -> assertThat(r.source()).isEqualTo(myDirectory));
	}

	@Test
	void aResolversOwnRefusalsReachDiagnosticsUntilTheEndpointIsClosed() {
		Diagnostic.Kind refused = Diagnostic.Kind.of("directory.RECORD_REFUSED");
		Sinks.Many<Diagnostic> refusals = Sinks.many().multicast().directBestEffort();
		PeerNameResolver directory = new PeerNameResolver() {
			@Override
			public Flux<EndpointRecord> resolve(PeerContact contact) {
				return Flux.empty();
			}

			@Override
			public Flux<Diagnostic> diagnostics() {
				return refusals.asFlux();
			}
		};
		PeerIdentity bob = PeerIdentity.generate("bob");
		PeerCollaboration alice = signedIn(PeerCollaboration.builder().identity(PeerIdentity.generate("alice"))
				.transport(net.transport()).nameResolver(contact -> Flux.empty()).nameResolver(directory));
		Diagnostic sent = new Diagnostic(Instant.EPOCH, refused, "a forged record of bob", bob.name(), null,
				new InvalidRequestException("the signature does not verify"));

		StepVerifier.create(alice.diagnostics())
				.then(() -> assertThat(refusals.tryEmitNext(sent)).isEqualTo(Sinks.EmitResult.OK))
				.assertNext(d -> assertThat(d).isEqualTo(sent))
				.thenCancel()
				.verify(WAIT);
		assertThat(refusals.currentSubscriberCount()).isEqualTo(1);

		alice.close().block(WAIT);
		assertThat(refusals.currentSubscriberCount()).as("unsubscribed when closed").isZero();
	}

	private PeerCollaboration signedIn(PeerCollaboration.Builder builder) {
		PeerCollaboration c = builder.build();
		open.add(c);
		c.signIn(PeerScope.INTERNET).block(WAIT);
		return c;
	}
}
