// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.peercollab.identity.PeerIdentity;
import io.peercollab.internal.nearme.NearMe;
import io.peercollab.local.InMemoryPeerTransport;
import io.peercollab.spi.Announcement;
import io.peercollab.spi.Discovery;
import io.peercollab.spi.DiscoverySession;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Signing in without a usable network interface (issue 15): the discovery SPI says so with
 * {@link NoConnectivityException}; the sign-in succeeds with the diagnostic "signed in, no connectivity", and the
 * endpoint recovers once an interface comes up (the discovery starts), on virtual time.
 */
class NoConnectivityTest {

	private static final Duration WAIT = Duration.ofSeconds(10);

	/** A discovery that finds no interface for its first {@code failures} starts, then works as scripted. */
	static final class OfflineAtFirst implements Discovery {

		final ScriptedDiscovery scripted = new ScriptedDiscovery();
		final AtomicInteger attempts = new AtomicInteger();
		private final int failures;

		OfflineAtFirst(int failures) {
			this.failures = failures;
		}

		@Override
		public Mono<DiscoverySession> start(Announcement self) {
			return Mono.defer(() -> attempts.incrementAndGet() <= failures
					? Mono.error(new NoConnectivityException("no network interface is up (test)"))
					: scripted.start(self));
		}
	}

	@Test
	void aSignInWithoutAnInterfaceSucceedsSaysSoAndRecoversWhenOneComesUp() {
		VirtualTimeScheduler time = VirtualTimeScheduler.create();
		OfflineAtFirst discovery = new OfflineAtFirst(2);
		PeerCollaboration a = PeerCollaboration.builder().identity(PeerIdentity.generate("alice"))
				.transport(new InMemoryPeerTransport.Network().transport()).discovery(discovery).timerScheduler(time)
				.build();
		List<Diagnostic> diagnostics = new CopyOnWriteArrayList<>();
		Disposable watching = a.diagnostics().subscribe(diagnostics::add);
		try {
			a.signIn(PeerScope.NEAR_ME).block(WAIT);

			assertThat(a.signInScope()).isEqualTo(PeerScope.NEAR_ME);
			assertThat(diagnostics).singleElement().satisfies(d -> {
				assertThat(d.kind()).isEqualTo(Diagnostic.Kind.NO_CONNECTIVITY);
				assertThat(d.message()).startsWith("signed in, no connectivity: no network interface is up (test)");
			});
			assertThat(a.getPeersNearMe().block(WAIT)).as("nobody near, but no error").isEmpty();
			assertThat(discovery.scripted.started).isEmpty();

			time.advanceTimeBy(NearMe.CONNECTIVITY_RETRY);
			assertThat(discovery.attempts).hasValue(2);
			assertThat(discovery.scripted.started).as("still no interface").isEmpty();
			time.advanceTimeBy(NearMe.CONNECTIVITY_RETRY);
			assertThat(discovery.attempts).hasValue(3);
			assertThat(discovery.scripted.started).as("an interface came up: discovery started")
					.singleElement().satisfies(s -> assertThat(s.name()).isEqualTo(a.name()));
			assertThat(diagnostics).as("said once").hasSize(1);

			a.signOut(PeerScope.NEAR_ME).block(WAIT);
			assertThat(discovery.scripted.log).containsExactly("start", "close");
		}
		finally {
			watching.dispose();
			a.close().block(WAIT);
			time.dispose();
		}
	}

	@Test
	void signingOutWhileWaitingForAnInterfaceStopsTheRetries() {
		VirtualTimeScheduler time = VirtualTimeScheduler.create();
		OfflineAtFirst discovery = new OfflineAtFirst(1);
		PeerCollaboration a = PeerCollaboration.builder().identity(PeerIdentity.generate("alice"))
				.transport(new InMemoryPeerTransport.Network().transport()).discovery(discovery).timerScheduler(time)
				.build();
		try {
			a.signIn(PeerScope.NEAR_ME).block(WAIT);
			a.signOut(PeerScope.NEAR_ME).block(WAIT);
			time.advanceTimeBy(NearMe.CONNECTIVITY_RETRY.multipliedBy(3));
			assertThat(discovery.attempts).as("no retry after signing out").hasValue(1);
			assertThat(discovery.scripted.started).isEmpty();
		}
		finally {
			a.close().block(WAIT);
			time.dispose();
		}
	}
}
