// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import io.peercollab.identity.PeerName;
import io.peercollab.internal.nat.PublicAddressCheck;
import io.peercollab.spi.TransportBinding;
import reactor.core.publisher.Flux;

/**
 * Test-only seam: what tests in other packages read or change of an {@link RSocketBinding}, whose methods for it are
 * package-private. It lives in the test tree, so the library ships no public method that exists for tests.
 */
public final class BindingInternals {

	private BindingInternals() {
	}

	/** {@link RSocketBinding#interfaceSource}: replaces where {@code binding} reads the host's interface addresses. */
	public static void interfaceSource(TransportBinding binding, Supplier<Set<InetAddress>> source) {
		rsocket(binding).interfaceSource(source);
	}

	/** @return {@link RSocketBinding#publicAddressChecks}: every result of a check of the public address from now on */
	public static Flux<PublicAddressCheck.Result> publicAddressChecks(TransportBinding binding) {
		return rsocket(binding).publicAddressChecks();
	}

	/** @return {@link RSocketBinding#observedAddress}: where the latest server saw {@code binding} */
	public static Optional<InetSocketAddress> observedAddress(TransportBinding binding) {
		return rsocket(binding).observedAddress();
	}

	/** @return {@link RSocketBinding#publicIpAddress}: the public IP address from the best source */
	public static Optional<InetAddress> publicIpAddress(TransportBinding binding) {
		return rsocket(binding).publicIpAddress();
	}

	/** @return {@link RSocketBinding#publicAddress}: what the last check of the public address found */
	public static Optional<PublicAddressCheck.Result> publicAddress(TransportBinding binding) {
		return rsocket(binding).publicAddress();
	}

	/**
	 * What one hole-punching attempt came to, on either end: {@link HolePunchUpgrade.Outcome}, which tests in other
	 * packages cannot name.
	 *
	 * @param peer the other end
	 * @param initiator whether this end asked for it (its outbound connection was relayed)
	 * @param stunServer the server that told this end its TCP mapping, or {@code null} if none did
	 * @param direct the direct connection's remote address, or {@code null} if the attempt failed
	 * @param roundTrip the round trip measured over the relayed connection, or {@code null} if not measured
	 * @param took from the start of the attempt to its end
	 * @param failure why it failed, or {@code null} if it succeeded
	 */
	public record PunchOutcome(PeerName peer, boolean initiator, InetSocketAddress stunServer,
			InetSocketAddress direct, Duration roundTrip, Duration took, String failure) {

		static PunchOutcome of(HolePunchUpgrade.Outcome o) {
			return new PunchOutcome(o.peer(), o.initiator(), o.stunServer(), o.direct(), o.roundTrip(), o.took(),
					o.failure());
		}

		/** @return whether a direct connection was made */
		public boolean succeeded() {
			return failure == null;
		}
	}

	/** @return {@link HolePunchUpgrade#outcomes}: every hole-punching attempt's outcome from now on, on either end */
	public static Flux<PunchOutcome> punchOutcomes(TransportBinding binding) {
		return rsocket(binding).holePunch().outcomes().map(PunchOutcome::of);
	}

	/** @return {@link HolePunchUpgrade#last}: the outcome of the latest attempt with {@code peer}, on either end */
	public static Optional<PunchOutcome> lastPunch(TransportBinding binding, PeerName peer) {
		return rsocket(binding).holePunch().last(peer).map(PunchOutcome::of);
	}

	/** @return {@link HolePunchUpgrade#isHolePunched}: whether {@code binding} holds a punched connection it made */
	public static boolean isHolePunched(TransportBinding binding, PeerName peer) {
		return rsocket(binding).holePunch().isHolePunched(peer);
	}

	/** {@link HolePunchUpgrade#enabled}: turns hole punching on or off at {@code binding}. */
	public static void holePunching(TransportBinding binding, boolean on) {
		rsocket(binding).holePunch().enabled(on);
	}

	private static RSocketBinding rsocket(TransportBinding binding) {
		return (RSocketBinding) binding;
	}
}
