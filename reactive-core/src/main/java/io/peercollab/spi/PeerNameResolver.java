// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import io.peercollab.Diagnostic;
import io.peercollab.contact.PeerContact;
import reactor.core.publisher.Flux;

/**
 * Turns a contact into addresses at which it may be reached. The library asks every configured resolver at once
 * (together with its own card, last-seen and near-me sources) and connects to whichever address answers first; the
 * TLS pin on the contact's key decides who is real, so a resolver can help or fail to help, never fool.
 *
 * <p>Contract (the core's test-jar holds {@code PeerNameResolverContract}, which every implementation runs):
 * <ul>
 * <li><b>Found:</b> the returned {@code Flux} emits one {@link EndpointRecord} for each address the source holds for
 * the contact, in any order, possibly the same address more than once, then completes. Addresses are what a resolver
 * vouches for: an endpoint's {@link io.peercollab.PeerEndPoint#name() name} need not survive the source (the DHT names
 * every endpoint after its address). Every record names the {@link EndpointRecord#source() source} the implementation
 * documents for it, and a {@link EndpointRecord#timeToLive() time to live} no longer than the source still keeps
 * what it found ({@link java.time.Duration#ZERO} when the source does not say).</li>
 * <li><b>Newest only:</b> when the contact published again, a lookup finds the newest record's addresses, never a mix
 * of an older record's and a newer one's.</li>
 * <li><b>Nothing found completes empty, within a bound:</b> an unknown contact, one whose record has no endpoints
 * (it signed out), one whose key this source cannot look up (the DHT and an EC P-256 key), a source that is
 * closed or reaches nobody: the {@code Flux} completes without a record, within a bound the implementation
 * documents. It never waits forever.</li>
 * <li><b>Errors are signals, and rare:</b> it fails only for errors the user must act on, with a
 * {@link io.peercollab.PeerCollabException} whose message says what to do; the library then reports a
 * {@code RESOLVE_FAILED} diagnostic and goes on with the other sources. {@code resolve} itself throws only for a
 * {@code null} contact.</li>
 * <li><b>Cold:</b> nothing is looked up before subscription; each subscription looks up afresh, in the state the
 * source and the resolver are in then (a {@code Flux} obtained before a record was published finds it if subscribed
 * after).</li>
 * <li><b>Demand and cancellation:</b> records are emitted only as requested. The library cancels as soon as an
 * address has answered: a cancelled lookup emits nothing more and leaves the resolver usable for the next one.</li>
 * <li><b>Threads:</b> {@code resolve} returns at once without blocking; records may arrive on any thread, one at a
 * time.</li>
 * <li><b>What it refused is a diagnostic, not a failure:</b> a record the source holds but the resolver would not
 * use (a forged signature, a stale or expired record, a malformed one) is left out of the lookup's {@code Flux},
 * which goes on with the valid ones, and reported on {@link #diagnostics()}.</li>
 * </ul>
 */
@FunctionalInterface
public interface PeerNameResolver {

	/**
	 * Looks the contact up, when subscribed.
	 *
	 * @param contact the contact: its name and pinned certificate, and what its card says
	 * @return the records found, as requested, completed when this source has nothing more to say; empty when it knows
	 * nothing of the contact or cannot look it up; fails only with a {@link io.peercollab.PeerCollabException} the
	 * user must act on
	 * @throws NullPointerException if {@code contact} is {@code null}
	 */
	Flux<EndpointRecord> resolve(PeerContact contact);

	/**
	 * What this resolver refused while looking contacts up: one {@link Diagnostic} per record it found and would
	 * not use, emitted when it refused it (not first, not on change: a refusal is an event), with a kind of the
	 * implementation's own ({@link Diagnostic.Kind#of}, such as the DHT's {@code dht.RECORD_REFUSED}), a message
	 * naming the check that refused it, the contact's name as {@link Diagnostic#peer()} when the lookup was for a
	 * contact, and the typed exception as {@link Diagnostic#cause()}. A lookup that failed as a whole is not reported
	 * here: its {@code Flux} fails, and the library reports {@code RESOLVE_FAILED}.
	 *
	 * <p>Hot: a subscriber sees what happens after it subscribed, for every lookup of this resolver, whoever asked.
	 * Emitted on the resolver's threads, one at a time; the stream need not buffer (overflow): a subscriber without
	 * demand may miss what happens meanwhile, so it should request unbounded and hand off. It may complete when the
	 * resolver is closed, or never. Calling it has no effect on the resolver (it starts nothing).
	 *
	 * <p>A {@code PeerCollaboration} subscribes to it for every configured resolver when it is built, passes what
	 * arrives on in its own {@code diagnostics()} (and logs it at WARN, rate-limited), and cancels when closed. The
	 * default emits nothing and completes at once, for resolvers that refuse nothing.
	 *
	 * @return the refusals of this resolver
	 */
	default Flux<Diagnostic> diagnostics() {
		return Flux.empty();
	}
}
