// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

import java.util.Objects;

import io.peercollab.identity.PeerName;
import io.peercollab.spi.PeerConnection;
import io.peercollab.spi.TransportBinding;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A binding that forwards every call to another, for tests that change one thing about a real transport (the address
 * it reports, the diagnostics it emits) by overriding that method.
 */
public class ForwardingBinding implements TransportBinding {

	private final TransportBinding delegate;

	public ForwardingBinding(TransportBinding delegate) {
		this.delegate = Objects.requireNonNull(delegate, "delegate");
	}

	@Override
	public PeerAddress address() {
		return delegate.address();
	}

	@Override
	public Mono<PeerConnection> connect(PeerName expected, PeerAddress address) {
		return delegate.connect(expected, address);
	}

	@Override
	public Flux<Diagnostic> diagnostics() {
		return delegate.diagnostics();
	}

	@Override
	public Mono<Void> onDispose() {
		return delegate.onDispose();
	}

	@Override
	public Mono<Void> close() {
		return delegate.close();
	}

	@Override
	public void dispose() {
		delegate.dispose();
	}

	@Override
	public boolean isDisposed() {
		return delegate.isDisposed();
	}
}
