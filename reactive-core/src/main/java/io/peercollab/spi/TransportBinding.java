// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import io.peercollab.Diagnostic;
import io.peercollab.PeerAddress;
import io.peercollab.identity.PeerName;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A listening endpoint of a {@link PeerTransport}, and the connections it opens to others. Disposing it closes the
 * listener and every connection.
 */
public interface TransportBinding extends Disposable {

	/**
	 * @return the address it listens at (a {@link io.peercollab.TcpAddress} with the real port when a TCP transport
	 * bound to port 0)
	 */
	PeerAddress address();

	/**
	 * The addresses at relays where this binding also accepts connections, such as a
	 * {@link io.peercollab.RelayedAddress} at a TURN server: the engine publishes them beside the advertised
	 * endpoints. They may change while the binding lives (a relay lost and allocated again); the engine reads them
	 * at each publication. The default is none.
	 *
	 * @return the relayed addresses now, possibly empty
	 */
	default java.util.List<PeerAddress> relayedAddresses() {
		return java.util.List.of();
	}

	/**
	 * The changes of {@link #relayedAddresses()}: emits them now, then each time they change (a relay allocated after
	 * the binding started, lost, allocated again at another address), so that the engine republishes this endpoint's
	 * Internet record at once rather than at its next periodic publication. Only the latest value matters: a
	 * subscriber that does not keep up may miss intermediate ones, never the latest. Completes when the binding is
	 * disposed. The default emits {@link #relayedAddresses()} once and completes when the binding is disposed, for
	 * transports whose relayed addresses do not change.
	 *
	 * @return the relayed addresses, now and at each change
	 */
	default Flux<java.util.List<PeerAddress>> relayedAddressChanges() {
		return Flux.concat(Mono.fromSupplier(this::relayedAddresses),
				onDispose().onErrorResume(e -> Mono.empty()).then(Mono.<java.util.List<PeerAddress>>empty()));
	}

	/**
	 * This binding's server-reflexive addresses that a stranger can dial: the public address and port a STUN server
	 * saw for the listening port, when the NAT in front keeps that mapping for every destination and lets anyone reach
	 * it (a "full cone"). The engine publishes them after the advertised endpoints and before the relayed ones (unless
	 * the user set the advertised endpoints). The default is none.
	 *
	 * @return the reflexive addresses now, possibly empty
	 */
	default java.util.List<PeerAddress> reflexiveAddresses() {
		return java.util.List.of();
	}

	/**
	 * The changes of {@link #reflexiveAddresses()}: emits them now, then each time they change (learnt after the
	 * binding started, the NAT or the network changed), so that the engine republishes at once. Only the latest value
	 * matters. Completes when the binding is disposed. The default emits {@link #reflexiveAddresses()} once and
	 * completes when the binding is disposed.
	 *
	 * @return the reflexive addresses, now and at each change
	 */
	default Flux<java.util.List<PeerAddress>> reflexiveAddressChanges() {
		return Flux.concat(Mono.fromSupplier(this::reflexiveAddresses),
				onDispose().onErrorResume(e -> Mono.empty()).then(Mono.<java.util.List<PeerAddress>>empty()));
	}

	/**
	 * Returns the connection to the endpoint at {@code address}, opening it if none is open. One connection per remote
	 * endpoint is shared by every interaction with it.
	 *
	 * @param expected the name the remote endpoint must prove
	 * @param address where it listens
	 * @return the connection; fails with {@link io.peercollab.PeerIdentityMismatchException} if the endpoint proves
	 * another key, {@link io.peercollab.PeerUnreachableException} if it cannot be reached or if this transport cannot
	 * dial that kind of address (the message names it)
	 */
	Mono<PeerConnection> connect(PeerName expected, PeerAddress address);

	/**
	 * How long the engine waits before dialling {@code address} while other addresses of the same peer are being
	 * dialled, so that costly paths (a relay) are tried last: the engine dials every address whose delay is zero at
	 * once, and one with a delay when it runs out or as soon as every address dialled without delay has failed,
	 * whichever comes first (as Happy Eyeballs staggers its attempts). The first connection that proves the key wins
	 * and cancels the others. The default is zero for every address.
	 *
	 * @param address an address of a peer this binding is asked to reach
	 * @return the delay, zero or positive
	 */
	default java.time.Duration dialDelay(PeerAddress address) {
		return java.time.Duration.ZERO;
	}

	/**
	 * Proves that the endpoint at {@code address} holds {@code expected}'s key, without keeping a connection open for
	 * the proof: people near me verify every neighbour's announced name this way and need not hold a connection to
	 * each. A connection already open to that endpoint is proof enough.
	 *
	 * <p>The default is {@link #connect}: the shared connection that proved the name stays open, for transports whose
	 * connections cost little; its closing tells that the peer may be gone.
	 *
	 * @param expected the name the remote endpoint must prove
	 * @param address where it listens
	 * @return the open connection that proved the name if it stays open, or empty once a connection opened only for
	 * the proof is closed again; fails as {@link #connect} does
	 */
	default Mono<PeerConnection> verify(PeerName expected, PeerAddress address) {
		return connect(expected, address);
	}

	/**
	 * Checks, as cheaply as this transport can, that the endpoint at {@code address} still listens: people near me
	 * check each verified neighbour this way every few seconds, so that one whose process died is noticed without a
	 * connection held open to it. Holds nothing once it completed; does not prove the key (a process that hangs while
	 * its machine still accepts connections may pass it).
	 *
	 * <p>The default is {@link #connect}, for transports whose {@link #verify} keeps the connection open anyway.
	 *
	 * @param expected the name announced at that endpoint
	 * @param address where it listens
	 * @return completes if the endpoint accepted; fails with {@link io.peercollab.PeerUnreachableException} if it
	 * refused or did not answer within the connect timeout
	 */
	default Mono<Void> probe(PeerName expected, PeerAddress address) {
		return connect(expected, address).then();
	}

	/**
	 * The names of remote endpoints this binding lost a connection to, as it happens: a connection it opened closed
	 * other than by this side (the peer closed it or died, the keepalive gave up, the network failed), or opening one
	 * failed because nothing answered. Closing a connection for idleness or on {@code dispose} is not a loss; nor is a
	 * failed {@link #verify} or {@link #probe}. Lets people near me notice that a neighbour went away, or that a call
	 * to it failed, without holding a connection to it.
	 *
	 * <p>Hot, emitted on the transport's threads: a subscriber should hand off. Completes when the binding is
	 * disposed. The default emits nothing and completes when the binding is disposed, for transports whose
	 * {@link #verify} keeps the connection open (a closed connection tells its watchers itself).
	 *
	 * @return the names, one per loss
	 */
	default Flux<PeerName> connectionsLost() {
		return onDispose().thenMany(Flux.empty());
	}

	/**
	 * What this binding refused from remote peers, as it happens: requests it would not serve
	 * ({@link Diagnostic.Kind#REJECTED_REQUEST}: unknown route, oversized or undecodable payload) and connections it
	 * refused or closed before serving them ({@link Diagnostic.Kind#REJECTED_CONNECTION}: a refused SETUP, a
	 * connection over a limit, no stream within the time to first stream). Each refusal is emitted once, with the
	 * peer's proven name when known, the remote address and the cause. Refusals the handler decides are not emitted
	 * here: the handler knows them.
	 *
	 * <p>Hot: a subscriber sees what happens after it subscribed. Emitted on the transport's threads; the stream does
	 * not buffer: a subscriber without demand misses what happens meanwhile, so it should request unbounded and hand
	 * off. Completes when the binding is disposed. The default emits nothing and completes when the binding is
	 * disposed, for transports that refuse nothing.
	 *
	 * @return the refusals of this binding
	 */
	default Flux<Diagnostic> diagnostics() {
		return onDispose().thenMany(Flux.empty());
	}

	/** @return completes when the binding is disposed and its resources released */
	Mono<Void> onDispose();

	/**
	 * Closes gracefully: what this endpoint already sent on each connection (answers, notices) reaches the other side
	 * before the connection closes, as far as a bounded wait allows; then disposes. The default disposes at once, for
	 * transports that deliver synchronously.
	 *
	 * @return completes once disposed and released
	 */
	default Mono<Void> close() {
		return Mono.fromRunnable(this::dispose).then(onDispose());
	}
}
