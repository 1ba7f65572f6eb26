// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

import io.peercollab.ChangeType;
import io.peercollab.Diagnostic;
import io.peercollab.NotSignedInException;
import io.peercollab.identity.PeerName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every {@link Discovery} does, as {@link Discovery}, {@link DiscoveryHost} and {@link DiscoverySession} state
 * it, run against each implementation by a subclass that says how to get one ({@link #discovery()}). Two endpoints
 * are two hosts of it: each must see the other's announcement, never its own, see a nickname change and a withdrawal,
 * and find its streams completed when its session closes. A discovery that does not reach the network itself (a
 * scripted one) plays it through the hooks {@link #announced}, {@link #renamed} and {@link #withdrawn}.
 *
 * <p>The subclass owns the {@code @Timeout}; every host a test opens is closed after it.
 */
public abstract class DiscoveryContract {

	/** @return the discovery under test; every call during a test must reach the same neighbourhood */
	protected abstract Discovery discovery();

	/** @return how long an announcement, a change or a withdrawal may take to be seen, as documented */
	protected Duration bound() {
		return Duration.ofSeconds(10);
	}

	/** The network sees {@code self} announced: a scripted discovery announces it here. */
	protected void announced(Announcement self) {
	}

	/** The network sees {@code self} announced with its new nickname. */
	protected void renamed(Announcement self) {
	}

	/** The network sees {@code self} withdrawn. */
	protected void withdrawn(Announcement self) {
	}

	private final List<DiscoveryHost> hosts = new ArrayList<>();

	@AfterEach
	void closeHosts() {
		Flux.fromIterable(hosts).flatMap(DiscoveryHost::close).then().block(bound().multipliedBy(2));
	}

	/** @return a host of the discovery under test, closed after the test */
	protected final DiscoveryHost host() {
		DiscoveryHost h = discovery().host();
		hosts.add(h);
		return h;
	}

	/** @return a name no other test uses */
	protected static PeerName name(String classifier) {
		StringBuilder authority = new StringBuilder(52);
		String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
		for (int i = 0; i < 52; i++) {
			authority.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(32)));
		}
		return PeerName.of(authority.toString(), classifier.toLowerCase(Locale.ROOT));
	}

	/** @return an announcement at a port no other test announces */
	protected static Announcement announcement(String classifier, String nickname) {
		return new Announcement(name(classifier), nickname, 20_000 + ThreadLocalRandom.current().nextInt(40_000));
	}

	private DiscoverySession start(DiscoveryHost h, Announcement self) {
		DiscoverySession s = h.start(self).block(bound());
		assertThat(s).as("start emits the session").isNotNull();
		announced(self);
		return s;
	}

	private void close(DiscoverySession s, Announcement self) {
		s.close().block(bound());
		withdrawn(self);
	}

	private static Predicate<DiscoveryEvent> is(ChangeType type, PeerName name) {
		return e -> e.type() == type && e.peer().name().equals(name);
	}

	private DiscoveryEvent first(DiscoverySession s, Predicate<DiscoveryEvent> match) {
		return s.peers().filter(match).next().timeout(bound()).block();
	}

	@Test
	protected void eachEndpointSeesTheOtherWithItsNameNicknameAndPortAndNeverItself() {
		Announcement a = announcement("alice", "Alice");
		Announcement b = announcement("bob", "Bob");
		DiscoverySession sa = start(host(), a);
		DiscoverySession sb = start(host(), b);

		DiscoveryEvent seenByA = first(sa, is(ChangeType.ADDED, b.name()));
		assertThat(seenByA.peer().nickname()).isEqualTo("Bob");
		assertThat(seenByA.peer().endPoints()).isNotEmpty()
				.allSatisfy(ep -> assertThat(ep.tcpAddress().getPort()).isEqualTo(b.port()));
		DiscoveryEvent seenByB = first(sb, is(ChangeType.ADDED, a.name()));
		assertThat(seenByB.peer().nickname()).isEqualTo("Alice");

		// A late subscriber gets what is known now, as ADDED, first; its own name is not among it.
		List<DiscoveryEvent> snapshot = sa.peers().take(Duration.ofMillis(300)).collectList().block(bound());
		assertThat(snapshot).anyMatch(is(ChangeType.ADDED, b.name()));
		assertThat(snapshot).noneMatch(e -> e.peer().name().equals(a.name()));
		assertThat(snapshot.get(0).type()).isEqualTo(ChangeType.ADDED);
	}

	@Test
	protected void aNicknameChangeShowsAsUpdated() {
		Announcement a = announcement("alice", "Alice");
		Announcement b = announcement("bob", "Bob");
		DiscoverySession sa = start(host(), a);
		DiscoverySession sb = start(host(), b);
		first(sa, is(ChangeType.ADDED, b.name()));

		Mono<DiscoveryEvent> updated = sa.peers()
				.filter(e -> e.type() == ChangeType.UPDATED && e.peer().name().equals(b.name())
						&& e.peer().nickname().equals("Bobby"))
				.next().timeout(bound()).cache();
		updated.subscribe(e -> { }, e -> { });
		sb.updateNickname("Bobby").block(bound());
		renamed(b.withNickname("Bobby"));
		assertThat(updated.block()).isNotNull();
	}

	@Test
	protected void aClosedSessionIsRemovedForTheOthersAndItsStreamsComplete() {
		Announcement a = announcement("alice", "Alice");
		Announcement b = announcement("bob", "Bob");
		DiscoverySession sa = start(host(), a);
		DiscoverySession sb = start(host(), b);
		first(sa, is(ChangeType.ADDED, b.name()));
		Mono<DiscoveryEvent> removed = sa.peers().filter(is(ChangeType.REMOVED, b.name())).next().timeout(bound())
				.cache();
		removed.subscribe(e -> { }, e -> { });
		Flux<DiscoveryEvent> bPeers = sb.peers();
		Flux<Diagnostic> bDiagnostics = sb.diagnostics();
		StepVerifier.FirstStep<DiscoveryEvent> peersEnd = StepVerifier.create(bPeers);
		StepVerifier.FirstStep<Diagnostic> diagnosticsEnd = StepVerifier.create(bDiagnostics);

		close(sb, b);

		assertThat(removed.block()).as("the other endpoint sees it go").isNotNull();
		peersEnd.thenConsumeWhile(e -> true).expectComplete().verify(bound());
		diagnosticsEnd.thenConsumeWhile(e -> true).expectComplete().verify(bound());
		// idempotent, and a stream subscribed after closing is empty and complete
		sb.close().block(bound());
		StepVerifier.create(sb.peers()).expectComplete().verify(bound());
		StepVerifier.create(sb.diagnostics()).expectComplete().verify(bound());
	}

	@Test
	protected void aHostStartsOneSessionAfterAnotherUntilItCloses() {
		Announcement a = announcement("alice", "Alice");
		Announcement b = announcement("bob", "Bob");
		DiscoverySession sa = start(host(), a);
		DiscoveryHost hb = host();
		DiscoverySession first = start(hb, b);
		first(sa, is(ChangeType.ADDED, b.name()));
		close(first, b);
		first(sa, is(ChangeType.REMOVED, b.name()));

		// signed in again on the same host, at another port (a new transport binding)
		Announcement again = new Announcement(b.name(), "Bob again", b.port() + 1);
		DiscoverySession second = start(hb, again);
		DiscoveryEvent back = sa.peers()
				.filter(e -> e.type() != ChangeType.REMOVED && e.peer().name().equals(b.name())
						&& e.peer().endPoints().stream().anyMatch(ep -> ep.tcpAddress().getPort() == again.port()))
				.next().timeout(bound()).block();
		assertThat(back.peer().nickname()).isEqualTo("Bob again");
		close(second, again);

		hb.close().block(bound());
		hb.close().block(bound());
		StepVerifier.create(hb.start(again)).expectError(NotSignedInException.class).verify(bound());
	}
}
