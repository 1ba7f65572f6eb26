// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.resolution;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

import io.peercollab.CollaborationObserver;
import io.peercollab.Diagnostic;
import io.peercollab.PeerEndPoint;
import io.peercollab.PeerUnreachableException;
import io.peercollab.identity.KeyType;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.internal.flow.Diagnoser;
import io.peercollab.internal.observe.GuardedObserver;
import io.peercollab.spi.PeerNamePublisher;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * Keeps this endpoint's Internet record current while it is signed in to {@code INTERNET}: published on sign-in, at
 * once when the advertised addresses are set, within {@link #ADDRESS_CHECK} when they change by themselves (a new
 * interface address of a wildcard-bound endpoint), every republish interval (on the timer scheduler, so virtual time
 * drives it in tests), and replaced by a record without endpoints on sign-out. A newer publication cancels one still
 * in flight; a publication the network did not take is retried with backoff and reported as {@code PUBLISH_FAILED}.
 */
public final class InternetPublishing {

	static final Duration FIRST_RETRY = Duration.ofSeconds(1);
	static final Duration MAX_RETRY = Duration.ofMinutes(5);
	/** How long signing out waits for the record without endpoints to be stored. */
	static final Duration WITHDRAW_TIMEOUT = Duration.ofSeconds(15);
	/**
	 * How often the advertised addresses are compared with the last ones published, so that an address that changes by
	 * itself (a wildcard-bound endpoint whose interface got a new address) is published within this.
	 */
	static final Duration ADDRESS_CHECK = Duration.ofMinutes(1);
	/** How long signing in or changing the advertised addresses waits for the first attempt to publish. */
	static final Duration FIRST_ATTEMPT_WAIT = Duration.ofSeconds(30);

	private final PeerIdentity identity;
	private final Supplier<List<PeerEndPoint>> advertised;
	private final Supplier<String> deviceId;
	private final Scheduler timer;
	private final Diagnoser diagnoser;
	private final PeerNamePublisher publisher;
	private final Duration interval;
	private final CollaborationObserver observer;
	private final Object lock = new Object();
	// guarded by lock
	private boolean active;
	private Disposable ticker = Disposables.disposed();
	private Disposable inFlight = Disposables.disposed();
	private List<PeerEndPoint> lastPublished = List.of();

	/**
	 * @param identity whose record is published (signed with its key)
	 * @param advertised the endpoints to publish, read at each publication
	 * @param deviceId this endpoint's device id, kept across restarts, read at each publication; {@code null}: none
	 * known, the publisher's own
	 * @param timer drives republishing, retries and timeouts
	 * @param diagnoser where failed publications are reported
	 * @param publisher where records go; null: nothing is ever published
	 * @param interval how often the record is republished while signed in
	 * @param observer told how long each attempt took and how it ended (guarded: it does not throw)
	 */
	public InternetPublishing(PeerIdentity identity, Supplier<List<PeerEndPoint>> advertised,
			Supplier<String> deviceId, Scheduler timer,
			Diagnoser diagnoser, PeerNamePublisher publisher, Duration interval, CollaborationObserver observer) {
		this.observer = observer;
		this.identity = identity;
		this.advertised = advertised;
		this.deviceId = deviceId;
		this.timer = timer;
		this.diagnoser = diagnoser;
		this.publisher = publisher;
		this.interval = interval;
	}

	/**
	 * Signed in to INTERNET: publish now and every interval.
	 *
	 * @return completes when the first attempt is over, stored or not (at most {@link #FIRST_ATTEMPT_WAIT}); never
	 * fails: a failure is reported and retried
	 */
	public Mono<Void> start() {
		if (publisher == null) {
			return Mono.empty();
		}
		if (identity.keyType() != KeyType.ED25519) {
			diagnoser.diagnose(Diagnostic.Kind.PUBLISH_FAILED, "this identity's key is " + identity.keyType()
					+ ": only Ed25519 identities publish Internet records; contacts reach this endpoint through its card"
					+ " and where they last saw it");
			return Mono.empty();
		}
		synchronized (lock) {
			if (active) {
				return Mono.empty();
			}
			active = true;
			Disposable periodic = Flux.interval(interval, interval, timer).subscribe(tick -> republish());
			Disposable watch = Flux.interval(ADDRESS_CHECK, ADDRESS_CHECK, timer)
					.subscribe(tick -> republishIfChanged());
			ticker = Disposables.composite(periodic, watch);
		}
		return republish();
	}

	/**
	 * Publishes the current advertised addresses now, if signed in to INTERNET.
	 *
	 * @return completes when the first attempt is over, as {@link #start()}
	 */
	public Mono<Void> republish() {
		Sinks.Empty<Void> attempted = Sinks.empty();
		synchronized (lock) {
			if (!active) {
				return Mono.empty();
			}
			inFlight.dispose();
			List<PeerEndPoint> endPoints = advertised.get();
			lastPublished = endPoints;
			inFlight = attempt(endPoints)
					.retryWhen(Retry.backoff(Long.MAX_VALUE, FIRST_RETRY)
							.maxBackoff(MAX_RETRY)
							.filter(PeerUnreachableException.class::isInstance)
							.scheduler(timer)
							.doBeforeRetry(s -> {
								diagnoser.diagnose(Diagnostic.Kind.PUBLISH_FAILED, "could not publish this endpoint's Internet"
										+ " record (attempt " + (s.totalRetries() + 1) + "): " + s.failure().getMessage()
										+ "; retrying");
								attempted.tryEmitEmpty();
							}))
					.doFinally(s -> attempted.tryEmitEmpty())
					.subscribe(null, e -> diagnoser.diagnose(Diagnostic.Kind.PUBLISH_FAILED,
							"could not publish this endpoint's Internet record: " + e.getMessage()));
		}
		return attempted.asMono().timeout(FIRST_ATTEMPT_WAIT, Mono.empty(), timer);
	}

	/** @return one attempt to publish {@code endPoints}, made at each subscription and told to the observer */
	private Mono<Void> attempt(List<PeerEndPoint> endPoints) {
		Mono<Void> publish = Mono.defer(() -> {
			String device = deviceId.get();
			return device == null ? publisher.publish(identity, endPoints)
					: publisher.publish(identity, endPoints, device);
		});
		if (observer == CollaborationObserver.NOOP) {
			return publish;
		}
		return Mono.defer(() -> {
			long start = GuardedObserver.now();
			return publish.doFinally(signal -> observer.namePublished(publisher, endPoints.size(),
					switch (signal) {
						case ON_ERROR -> CollaborationObserver.Outcome.FAILURE;
						case CANCEL -> CollaborationObserver.Outcome.CANCELLED;
						default -> CollaborationObserver.Outcome.SUCCESS;
					}, GuardedObserver.since(start)));
		});
	}

	private void republishIfChanged() {
		boolean changed;
		synchronized (lock) {
			changed = active && !advertised.get().equals(lastPublished);
		}
		if (changed) {
			republish(); // publishes at once; its returned wait is for callers that want the first attempt
		}
	}

	/**
	 * Signed out of INTERNET: stop republishing and publish a record without endpoints.
	 *
	 * @return completes once that record is stored, or after {@link #WITHDRAW_TIMEOUT}; never fails (a failure is
	 * reported as {@code PUBLISH_FAILED}: the old record then expires on its own)
	 */
	public Mono<Void> stop() {
		synchronized (lock) {
			if (!active) {
				return Mono.empty();
			}
			active = false;
			ticker.dispose();
			inFlight.dispose();
		}
		return attempt(List.of())
				.timeout(WITHDRAW_TIMEOUT, timer)
				.onErrorResume(e -> {
					diagnoser.diagnose(Diagnostic.Kind.PUBLISH_FAILED, "could not publish the signed-out record: "
							+ e.getMessage() + "; the last record expires after " + publisher.recordLifetime());
					return Mono.empty();
				});
	}
}
