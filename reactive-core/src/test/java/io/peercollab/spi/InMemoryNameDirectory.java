// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.peercollab.LimitExceededException;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerUnreachableException;
import io.peercollab.contact.PeerContact;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * What a DHT does for the library, in memory, for tests: the last endpoints each name published, kept for
 * {@link #recordLifetime()} on a {@link Scheduler}'s clock (virtual time in tests that want it), found under the
 * contact's name. It follows both name-resolution contracts ({@code PeerNameResolverContract},
 * {@code PeerNamePublisherContract}); a test that stands it in for the DHT therefore sees what the DHT would do,
 * except that endpoint names survive. Thread-safe.
 */
public final class InMemoryNameDirectory implements PeerNamePublisher, PeerNameResolver {

	/** The most endpoints one record holds: as many as a contact's card. */
	public static final int MAX_END_POINTS = PeerContact.MAX_ENDPOINTS;

	private final Map<PeerName, Entry> records = new ConcurrentHashMap<>();

	private final EndpointSource source;

	private final Duration lifetime;

	private final Duration timeToLive;

	private final Scheduler clock;

	private volatile boolean reachable = true;

	/** A directory that names its records {@link EndpointSource#DHT}, keeps them 2 hours and vouches for 1 hour. */
	public InMemoryNameDirectory() {
		this(EndpointSource.DHT, Duration.ofHours(2), Duration.ofHours(1), Schedulers.parallel());
	}

	/**
	 * @param source the source its records name
	 * @param lifetime how long a record is kept if not published again; positive
	 * @param timeToLive how long a found record is vouched for, capped by what is left of its lifetime; not negative
	 * @param clock whose {@link Scheduler#now(TimeUnit)} ages the records
	 */
	public InMemoryNameDirectory(EndpointSource source, Duration lifetime, Duration timeToLive, Scheduler clock) {
		this.source = Objects.requireNonNull(source, "source");
		this.lifetime = Objects.requireNonNull(lifetime, "lifetime");
		this.timeToLive = Objects.requireNonNull(timeToLive, "timeToLive");
		this.clock = Objects.requireNonNull(clock, "clock");
		if (lifetime.isNegative() || lifetime.isZero()) {
			throw new IllegalArgumentException("lifetime must be positive, was " + lifetime);
		}
		if (timeToLive.isNegative()) {
			throw new IllegalArgumentException("timeToLive must not be negative, was " + timeToLive);
		}
	}

	/**
	 * @param value {@code false}: from now on publishing fails with {@link PeerUnreachableException} and lookups
	 * complete empty, as a network that cannot be reached; {@code true} (the default): works again
	 */
	public void reachable(boolean value) {
		this.reachable = value;
	}

	/** @return the endpoints {@code name} published last and still alive, as stored; empty if none */
	public List<PeerEndPoint> endPointsOf(PeerName name) {
		Entry e = alive(Objects.requireNonNull(name, "name"));
		return e == null ? List.of() : e.endPoints();
	}

	/**
	 * Stores the endpoints under the identity's name, replacing the previous ones; an empty list removes them.
	 *
	 * @return completes once stored; fails with {@link LimitExceededException} over {@value #MAX_END_POINTS}
	 * endpoints, {@link IllegalArgumentException} for an unresolved address, {@link PeerUnreachableException} while
	 * not {@link #reachable(boolean) reachable}; nothing is stored then
	 */
	@Override
	public Mono<Void> publish(PeerIdentity identity, List<PeerEndPoint> endPoints) {
		PeerName name = Objects.requireNonNull(identity, "identity").name();
		List<PeerEndPoint> copy = List.copyOf(Objects.requireNonNull(endPoints, "endPoints"));
		return Mono.defer(() -> {
			if (copy.size() > MAX_END_POINTS) {
				return Mono.error(new LimitExceededException("endPoints must be at most " + MAX_END_POINTS
						+ " in one record, was " + copy.size()));
			}
			for (PeerEndPoint ep : copy) {
				if (ep.tcpAddress().isUnresolved()) {
					return Mono.error(new IllegalArgumentException("endPoints holds an unresolved address, "
							+ ep.address() + ": publish resolved addresses only"));
				}
			}
			if (!reachable) {
				return Mono.error(new PeerUnreachableException("the directory cannot be reached: nothing was stored"));
			}
			if (copy.isEmpty()) {
				records.remove(name);
			}
			else {
				records.put(name, new Entry(copy, clock.now(TimeUnit.MILLISECONDS)));
			}
			return Mono.empty();
		});
	}

	/**
	 * @return a record per endpoint the contact's name published last, if it is still alive, naming this
	 * directory's source; empty if there is none or while not {@link #reachable(boolean) reachable}. Never fails.
	 */
	@Override
	public Flux<EndpointRecord> resolve(PeerContact contact) {
		PeerName name = Objects.requireNonNull(contact, "contact").name();
		return Flux.defer(() -> {
			Entry e = reachable ? alive(name) : null;
			if (e == null) {
				return Flux.empty();
			}
			Duration left = lifetime.minusMillis(clock.now(TimeUnit.MILLISECONDS) - e.publishedAt());
			Duration ttl = left.compareTo(timeToLive) < 0 ? left : timeToLive;
			return Flux.fromIterable(e.endPoints()).map(ep -> new EndpointRecord(ep, source, ttl));
		});
	}

	@Override
	public Duration recordLifetime() {
		return lifetime;
	}

	private Entry alive(PeerName name) {
		Entry e = records.get(name);
		if (e != null && clock.now(TimeUnit.MILLISECONDS) - e.publishedAt() >= lifetime.toMillis()) {
			records.remove(name, e);
			return null;
		}
		return e;
	}

	@Override
	public String toString() {
		return "InMemoryNameDirectory(" + source + ", " + records.size() + " records)";
	}

	private record Entry(List<PeerEndPoint> endPoints, long publishedAt) {
	}
}
