// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

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

	private static RSocketBinding rsocket(TransportBinding binding) {
		return (RSocketBinding) binding;
	}
}
