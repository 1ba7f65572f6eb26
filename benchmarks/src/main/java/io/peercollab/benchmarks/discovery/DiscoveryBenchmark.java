// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks.discovery;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.jmdns.JmDNS;
import javax.jmdns.ServiceInfo;

import io.peercollab.ChangeType;
import io.peercollab.PeerCollaboration;
import io.peercollab.PeerNearMe;
import io.peercollab.PeerNearMeEvent;
import io.peercollab.PeerScope;
import io.peercollab.benchmarks.BenchPeers;
import io.peercollab.benchmarks.HeapMeter;
import io.peercollab.identity.PeerName;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.Disposable;

/**
 * Discovery on loopback, seconds-scale, one shot per iteration:
 * <ul>
 *   <li>{@code signInToAdded}: a new endpoint's {@code signIn(NEAR_ME)} (its first: it opens its jmDNS instance in
 *   the shot) until another endpoint's {@code peersNearMe()} emits it {@code ADDED}, verified; and
 *   {@code signInAgainToAdded}, the same for an endpoint that signed in and out before (its jmDNS instance is kept
 *   across sign-ins); against {@code bareRegisterToResolved}, jmDNS {@code registerService} on an open instance
 *   until another instance's listener gets {@code serviceResolved} (with the TXT record), and, for reference,
 *   {@code bareOpenAndRegisterToResolved}, the same with the instance opened in the shot;</li>
 *   <li>{@code firstSignInToResolved}: the first sign-in of a fresh JVM (nothing of the library has run in it, the
 *   identity is generated in the set-up) until a bare jmDNS browser resolves its announcement; one shot per fork,
 *   run with several forks for a median;</li>
 *   <li>{@code signOutToRemoved}: {@code signOut(NEAR_ME)} of an endpoint the other one knows and is connected to,
 *   until the other's {@code peersNearMe()} emits it {@code REMOVED}; against {@code bareUnregisterToRemoved}, jmDNS
 *   {@code unregisterService} until the other instance's {@code serviceRemoved}.</li>
 * </ul>
 * Every endpoint is new to the observer (a fresh identity each shot), and everything set up or torn down around a
 * shot (closing an endpoint blocks in jmDNS for seconds) is outside the measured time.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(1)
public class DiscoveryBenchmark {

	static final long WAIT_SECONDS = 40;

	// ----- library -------------------------------------------------------------------------------------------------

	/** An endpoint signed in to NEAR_ME that watches who comes and goes. */
	@State(Scope.Benchmark)
	public static class Observer {
		PeerCollaboration observer;
		Disposable watching;
		final Map<PeerName, CompletableFuture<Long>> added = new ConcurrentHashMap<>();
		final Map<PeerName, CompletableFuture<Long>> removed = new ConcurrentHashMap<>();

		@Setup
		public void setUp() {
			observer = BenchPeers.nearMe(BenchPeers.identity("observer"));
			observer.signIn(PeerScope.NEAR_ME).block(BenchPeers.TIMEOUT);
			watching = observer.peersNearMe().subscribe(this::onEvent);
		}

		private void onEvent(PeerNearMeEvent e) {
			long now = System.nanoTime();
			if (e.type() == ChangeType.ADDED) {
				added(e.peer().name()).complete(now);
			}
			else if (e.type() == ChangeType.REMOVED) {
				removed(e.peer().name()).complete(now);
			}
		}

		CompletableFuture<Long> added(PeerName name) {
			return added.computeIfAbsent(name, k -> new CompletableFuture<>());
		}

		CompletableFuture<Long> removed(PeerName name) {
			return removed.computeIfAbsent(name, k -> new CompletableFuture<>());
		}

		@TearDown
		public void tearDown() {
			watching.dispose();
			BenchPeers.close(observer);
		}
	}

	/** An endpoint never seen before, built and not signed in. */
	@State(Scope.Benchmark)
	public static class Newcomer {
		PeerCollaboration peer;

		@Setup(Level.Iteration)
		public void setUp() {
			peer = BenchPeers.nearMe(BenchPeers.freshIdentity("newcomer"));
		}

		@TearDown(Level.Iteration)
		public void tearDown() {
			BenchPeers.close(peer);
		}
	}

	/** An endpoint signed in to NEAR_ME, known to the observer, and connected to it (it found and verified it). */
	@State(Scope.Benchmark)
	public static class Leaver {
		PeerCollaboration peer;
		CompletableFuture<Void> signingOut;

		@Setup(Level.Iteration)
		public void setUp(Observer o) {
			peer = BenchPeers.nearMe(BenchPeers.freshIdentity("leaver"));
			CompletableFuture<Long> seen = o.added(peer.name());
			peer.signIn(PeerScope.NEAR_ME).block(BenchPeers.TIMEOUT);
			await(seen);
			PeerName observer = o.observer.name();
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
			while (!verified(peer, observer)) {
				if (System.nanoTime() > deadline) {
					throw new IllegalStateException("the leaver never verified the observer");
				}
				HeapMeter.sleep(20);
			}
			// the connection that proved the observer's name is handed to the peer table right after
			HeapMeter.sleep(200);
		}

		private static boolean verified(PeerCollaboration p, PeerName name) {
			List<PeerNearMe> near = p.getPeersNearMe().block(BenchPeers.TIMEOUT);
			return near.stream().anyMatch(n -> n.name().equals(name) && n.isVerified());
		}

		@TearDown(Level.Iteration)
		public void tearDown() {
			if (signingOut != null) {
				signingOut.join();
			}
			BenchPeers.close(peer);
		}
	}

	@Benchmark
	public Object signInToAdded(Observer o, Newcomer n) {
		CompletableFuture<Long> seen = o.added(n.peer.name());
		n.peer.signIn(PeerScope.NEAR_ME).block(BenchPeers.TIMEOUT);
		return await(seen);
	}

	/** An endpoint that signed in to NEAR_ME and out again, seen by the observer and removed, not signed in now. */
	@State(Scope.Benchmark)
	public static class Rejoiner {
		PeerCollaboration peer;

		@Setup(Level.Iteration)
		public void setUp(Observer o) {
			peer = BenchPeers.nearMe(BenchPeers.freshIdentity("rejoiner"));
			CompletableFuture<Long> seen = o.added(peer.name());
			peer.signIn(PeerScope.NEAR_ME).block(BenchPeers.TIMEOUT);
			await(seen);
			CompletableFuture<Long> gone = o.removed(peer.name());
			peer.signOut(PeerScope.NEAR_ME).block(BenchPeers.TIMEOUT);
			await(gone);
			o.added.remove(peer.name());
			o.removed.remove(peer.name());
		}

		@TearDown(Level.Iteration)
		public void tearDown() {
			BenchPeers.close(peer);
		}
	}

	@Benchmark
	public Object signInAgainToAdded(Observer o, Rejoiner r) {
		CompletableFuture<Long> seen = o.added(r.peer.name());
		r.peer.signIn(PeerScope.NEAR_ME).block(BenchPeers.TIMEOUT);
		return await(seen);
	}

	/** A bare jmDNS browser, announced, and an endpoint built in a JVM where no endpoint has signed in yet. */
	@State(Scope.Benchmark)
	public static class FirstOfProcess {
		BareMdns observer;
		PeerCollaboration peer;

		@Setup(Level.Iteration)
		public void setUp() throws IOException {
			observer = BareMdns.browsing("bench-observer");
			JmDNS warm = BareMdns.open("bench-warm-up");
			ServiceInfo warmUp = service("warm-up");
			CompletableFuture<ServiceInfo> seen = observer.resolution(warmUp.getName());
			warm.registerService(warmUp);
			await(seen);
			warm.close();
			peer = BenchPeers.nearMe(BenchPeers.freshIdentity("first"));
		}

		@TearDown(Level.Iteration)
		public void tearDown() {
			BenchPeers.close(peer);
			observer.close();
		}
	}

	@Benchmark
	@Warmup(iterations = 0)
	@Measurement(iterations = 1)
	@Fork(5)
	public Object firstSignInToResolved(FirstOfProcess f) {
		CompletableFuture<Long> seen = f.observer.resolutionOf(f.peer.name());
		f.peer.signIn(PeerScope.NEAR_ME).block(BenchPeers.TIMEOUT);
		return await(seen);
	}

	@Benchmark
	public Object signOutToRemoved(Observer o, Leaver l) {
		CompletableFuture<Long> gone = o.removed(l.peer.name());
		l.signingOut = l.peer.signOut(PeerScope.NEAR_ME).toFuture();
		return await(gone);
	}

	// ----- bare jmDNS ----------------------------------------------------------------------------------------------

	/** A jmDNS instance browsing the benchmark service type. */
	@State(Scope.Benchmark)
	public static class BareObserver {
		BareMdns observer;

		@Setup
		public void setUp() {
			observer = BareMdns.browsing("bench-observer");
		}

		@TearDown
		public void tearDown() {
			observer.close();
		}
	}

	/** A jmDNS instance that has announced before (its host name probing is done). */
	@State(Scope.Benchmark)
	public static class BarePublisher {
		JmDNS jmdns;

		@Setup
		public void setUp(BareObserver o) throws IOException {
			jmdns = BareMdns.open("bench-publisher");
			ServiceInfo warmUp = service("warm-up");
			CompletableFuture<ServiceInfo> seen = o.observer.resolution(warmUp.getName());
			jmdns.registerService(warmUp);
			await(seen);
			jmdns.unregisterService(warmUp);
		}

		@TearDown
		public void tearDown() throws IOException {
			jmdns.close();
		}
	}

	/** A service not announced yet, to be registered on the open publisher. */
	@State(Scope.Benchmark)
	public static class FreshService {
		BarePublisher publisher;
		ServiceInfo info;

		@Setup(Level.Iteration)
		public void setUp(BarePublisher p) {
			publisher = p;
			info = service("newcomer");
		}

		@TearDown(Level.Iteration)
		public void tearDown() {
			publisher.jmdns.unregisterService(info);
		}
	}

	/** A service not announced yet, and no instance to announce it with. */
	@State(Scope.Benchmark)
	public static class FreshInstance {
		ServiceInfo info;
		JmDNS jmdns;

		@Setup(Level.Iteration)
		public void setUp() {
			info = service("newcomer");
		}

		@TearDown(Level.Iteration)
		public void tearDown() throws IOException {
			if (jmdns != null) {
				jmdns.close();
				jmdns = null;
			}
		}
	}

	/** A service announced on the open publisher and resolved by the observer. */
	@State(Scope.Benchmark)
	public static class RegisteredService {
		BarePublisher publisher;
		ServiceInfo info;

		@Setup(Level.Iteration)
		public void setUp(BareObserver o, BarePublisher p) throws IOException {
			publisher = p;
			info = service("leaver");
			CompletableFuture<ServiceInfo> seen = o.observer.resolution(info.getName());
			p.jmdns.registerService(info);
			await(seen);
		}
	}

	@Benchmark
	public Object bareRegisterToResolved(BareObserver o, FreshService s) throws IOException {
		CompletableFuture<ServiceInfo> seen = o.observer.resolution(s.info.getName());
		s.publisher.jmdns.registerService(s.info);
		return await(seen);
	}

	@Benchmark
	public Object bareOpenAndRegisterToResolved(BareObserver o, FreshInstance s) throws IOException {
		CompletableFuture<ServiceInfo> seen = o.observer.resolution(s.info.getName());
		s.jmdns = BareMdns.open("bench-newcomer");
		s.jmdns.registerService(s.info);
		return await(seen);
	}

	@Benchmark
	public Object bareUnregisterToRemoved(BareObserver o, RegisteredService s) {
		CompletableFuture<Long> gone = o.observer.removal(s.info.getName());
		s.publisher.jmdns.unregisterService(s.info);
		return await(gone);
	}

	// ----- helpers ---------------------------------------------------------------------------------------------------

	static ServiceInfo service(String prefix) {
		PeerName name = BenchPeers.identity("bare-peer").name();
		return BareMdns.service(BareMdns.instanceName(prefix), name, prefix, 9);
	}

	static <T> T await(CompletableFuture<T> f) {
		try {
			return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
		catch (ExecutionException | TimeoutException e) {
			throw new IllegalStateException("waited " + WAIT_SECONDS + " s in vain", e);
		}
	}

}
