// SPDX-License-Identifier: Apache-2.0
package io.peercollab.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.peercollab.ChangeType;
import io.peercollab.CollaborationObserver;
import io.peercollab.Diagnostic;
import io.peercollab.InvitationState;
import io.peercollab.InvitationStatus;
import io.peercollab.LimitExceededException;
import io.peercollab.PeerApplication;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerNearMeEvent;
import io.peercollab.PeerScope;
import io.peercollab.PeerUnreachableException;
import io.peercollab.TcpAddress;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.PeerNamePublisher;
import io.peercollab.spi.PeerNameResolver;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

/**
 * The Micrometer binding on its own: each observer call moves the meter the README's table names, gauges go up and
 * down, tags carry only values the library chooses, and the README's table lists exactly the meters registered.
 * {@code TransportObservabilityTest} in rsocket-transport shows the same meters after a real invitation and session.
 */
class MicrometerCollaborationObserverTest {

	private static final PeerName BOB = PeerIdentity.generate("bob").name();
	private static final TcpAddress ADDRESS = TcpAddress.of(java.net.InetAddress.getLoopbackAddress(), 4000);
	private static final PeerApplication APP = PeerApplication.of(UUID.randomUUID(), "app", PeerScope.ALL);

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
	private final Tags tags = Tags.of("endpoint", "alice");
	private final MicrometerCollaborationObserver observer = new MicrometerCollaborationObserver(registry, tags);

	/** Calls every method of the observer, as an endpoint's life would. */
	private void exerciseEverything() {
		observer.connectionOpened(BOB, ADDRESS, CollaborationObserver.Direction.OUTBOUND);
		observer.connectionOpened(BOB, ADDRESS, CollaborationObserver.Direction.INBOUND);
		observer.connectionClosed(BOB, ADDRESS, CollaborationObserver.Direction.OUTBOUND, Duration.ofSeconds(3));
		observer.connectionRefused(new Diagnostic(Instant.now(), Diagnostic.Kind.REJECTED_CONNECTION, "over the limit",
				null, ADDRESS, new LimitExceededException("maxConnectionsPerSource (64) reached")));
		observer.connectFailed(BOB, ADDRESS, new PeerUnreachableException("nothing answered"));
		observer.invitationSent(BOB, APP, Context.empty());
		observer.invitationAnswered(BOB, APP, InvitationStatus.ACCEPTED, Duration.ofMillis(12), Context.empty());
		observer.invitationFailed(BOB, APP, new CancellationException(), Duration.ofMillis(3), Context.empty());
		observer.invitationReceived(BOB, APP);
		observer.invitationResponded(BOB, APP, InvitationState.WITHDRAWN, Duration.ofSeconds(1));
		observer.followerAdded(BOB);
		observer.sessionOpened(null);
		observer.sessionMessageSent(null, 100);
		observer.sessionMessageSent(null, 20);
		observer.sessionMessageReceived(null, BOB, 7);
		PeerCollaboration c = PeerCollaboration.builder().identity(PeerIdentity.generate("carol"))
				.transport(InMemoryPeerTransport.create()).build();
		PeerNearMeEvent added = new PeerNearMeEvent(ChangeType.ADDED,
				(io.peercollab.PeerNearMe) c.peer(BOB, PeerEndPoint.of(ADDRESS)));
		observer.peerNearMe(added);
		PeerNameResolver resolver = contact -> Flux.empty();
		observer.nameResolved(resolver, BOB, CollaborationObserver.Outcome.EMPTY, Duration.ofMillis(40));
		PeerNamePublisher publisher = new PeerNamePublisher() {
			@Override
			public Mono<Void> publish(PeerIdentity identity, List<PeerEndPoint> endPoints) {
				return Mono.empty();
			}

			@Override
			public Duration recordLifetime() {
				return Duration.ofHours(2);
			}
		};
		observer.namePublished(publisher, 2, CollaborationObserver.Outcome.SUCCESS, Duration.ofMillis(90));
	}

	@Test
	void eachCallMovesItsMeterWithTheTagsTheLibraryChooses() {
		exerciseEverything();
		assertThat(registry.get("peercollab.connections.opened").tags(tags).tag("direction", "outbound").counter()
				.count()).isEqualTo(1);
		assertThat(registry.get("peercollab.connections.active").tag("direction", "outbound").gauge().value())
				.isZero();
		assertThat(registry.get("peercollab.connections.active").tag("direction", "inbound").gauge().value())
				.isEqualTo(1);
		assertThat(registry.get("peercollab.connections.duration").tag("direction", "outbound").timer()
				.totalTime(java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(3);
		assertThat(registry.get("peercollab.connections.refused").tag("reason", "LimitExceededException").counter()
				.count()).isEqualTo(1);
		assertThat(registry.get("peercollab.connections.connect.failed").tag("error", "PeerUnreachableException")
				.counter().count()).isEqualTo(1);
		assertThat(registry.get("peercollab.invitations.sent").counter().count()).isEqualTo(1);
		assertThat(registry.get("peercollab.invitations.response.time").tag("outcome", "accepted").timer().count())
				.isEqualTo(1);
		assertThat(registry.get("peercollab.invitations.response.time").tag("outcome", "cancelled").timer().count())
				.isEqualTo(1);
		assertThat(registry.get("peercollab.invitations.answer.time").tag("outcome", "withdrawn").timer().count())
				.isEqualTo(1);
		assertThat(registry.get("peercollab.followers.active").gauge().value()).isEqualTo(1);
		observer.followerRemoved(BOB);
		assertThat(registry.get("peercollab.followers.active").gauge().value()).isZero();
		assertThat(registry.get("peercollab.sessions.active").gauge().value()).isEqualTo(1);
		assertThat(registry.get("peercollab.sessions.data.sent").summary().count()).isEqualTo(2);
		assertThat(registry.get("peercollab.sessions.data.sent").summary().totalAmount()).isEqualTo(120);
		assertThat(registry.get("peercollab.sessions.data.received").summary().totalAmount()).isEqualTo(7);
		assertThat(registry.get("peercollab.peers.near.me").gauge().value()).isEqualTo(1);
		assertThat(registry.get("peercollab.peers.near.me.events").tag("type", "added").counter().count())
				.isEqualTo(1);
		assertThat(registry.get("peercollab.names.resolve.time").tag("outcome", "empty").timer().count())
				.isEqualTo(1);
		assertThat(registry.get("peercollab.names.publish.time").tag("outcome", "success").timer().count())
				.isEqualTo(1);
		// no tag value names a peer or an address: a stranger cannot grow the registry
		for (Meter m : registry.getMeters()) {
			assertThat(m.getId().getTags()).allSatisfy(t -> assertThat(t.getValue())
					.doesNotContain(BOB.toString()).doesNotContain("127.0.0.1"));
			assertThat(m.getId().getTag("endpoint")).isEqualTo("alice");
		}
	}

	@Test
	void theReadmeTableListsExactlyTheMetersRegistered() throws IOException {
		exerciseEverything();
		observer.sessionClosed(null);
		Set<String> registered = new TreeSet<>();
		registry.getMeters().forEach(m -> registered.add(m.getId().getName()));
		assertThat(readmeMeters()).isEqualTo(registered);
	}

	/** @return the meter names in the first column of the README's Observability table */
	private static Set<String> readmeMeters() throws IOException {
		String readme = Files.readString(Path.of("..", "README.md"));
		int start = readme.indexOf("## Observability");
		assertThat(start).as("the README has an Observability section").isNotNegative();
		int end = readme.indexOf("\n## ", start + 1);
		String section = readme.substring(start, end < 0 ? readme.length() : end);
		List<String> names = new ArrayList<>();
		Matcher m = Pattern.compile("(?m)^\\| `(peercollab\\.[a-z.]+)` \\|").matcher(section);
		while (m.find()) {
			names.add(m.group(1));
		}
		assertThat(names).doesNotHaveDuplicates();
		return new TreeSet<>(names);
	}
}
