// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.peercollab.identity.PeerIdentity;
import io.peercollab.identity.PeerName;
import io.peercollab.internal.flow.CountingScheduler;
import io.peercollab.internal.flow.Expiries;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.scheduler.VirtualTimeScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The idle check of outbound connections, in virtual time: one entry per connection in the binding's
 * {@link Expiries}, moved lazily, closing a connection {@code idleTimeout} after its last request ended.
 */
class IdleCheckTest {

	private static final Duration IDLE = Duration.ofSeconds(30);
	private static final PeerName BOB = PeerIdentity.generate("bob").name();

	private final VirtualTimeScheduler time = VirtualTimeScheduler.create();
	private final CountingScheduler timer = new CountingScheduler(time);
	private final Expiries expiries = new Expiries(timer);

	@AfterEach
	void tearDown() {
		expiries.dispose();
		time.dispose();
	}

	private RSocketPeerConnection connect(FakeRSocket rsocket) {
		return new RSocketPeerConnection(rsocket, BOB, new InetSocketAddress("127.0.0.1", 1), new PayloadCodec(65_536),
				IDLE, "instance", expiries);
	}

	@Test
	void anUnusedConnectionClosesAfterTheIdleTimeoutAndNotBefore() {
		FakeRSocket rsocket = new FakeRSocket();
		RSocketPeerConnection c = connect(rsocket);

		time.advanceTimeBy(IDLE.minusMillis(1));
		assertThat(c.isDisposed()).isFalse();

		time.advanceTimeBy(Duration.ofMillis(1));
		assertThat(c.isDisposed()).isTrue();
		assertThat(rsocket.isDisposed()).isTrue();
	}

	@Test
	void aRequestInFlightKeepsTheConnectionOpenAndItsEndStartsTheIdleTimeout() {
		FakeRSocket rsocket = new FakeRSocket();
		RSocketPeerConnection c = connect(rsocket);
		time.advanceTimeBy(Duration.ofSeconds(10));

		Disposable request = c.presence().subscribe(null, e -> { });
		time.advanceTimeBy(IDLE.multipliedBy(3));
		assertThat(c.isDisposed()).isFalse();

		request.dispose();
		time.advanceTimeBy(IDLE.minusMillis(1));
		assertThat(c.isDisposed()).isFalse();
		time.advanceTimeBy(Duration.ofMillis(1));
		assertThat(c.isDisposed()).isTrue();
	}

	@Test
	void requestsThatEndedRecentlyPushTheCloseBack() {
		FakeRSocket rsocket = new FakeRSocket();
		RSocketPeerConnection c = connect(rsocket);

		for (int i = 0; i < 10; i++) {
			time.advanceTimeBy(Duration.ofSeconds(20));
			c.presence().subscribe(null, e -> { }).dispose();
		}
		assertThat(c.isDisposed()).isFalse();

		time.advanceTimeBy(IDLE);
		assertThat(c.isDisposed()).isTrue();
	}

	@Test
	void requestsDoNotScheduleTimersAndConnectionsShareTheBindingsOneTask() {
		List<RSocketPeerConnection> connections = new ArrayList<>();
		for (int i = 0; i < 100; i++) {
			connections.add(connect(new FakeRSocket()));
		}
		for (int i = 0; i < 1000; i++) {
			connections.get(i % 100).presence().subscribe(null, e -> { }).dispose();
		}

		assertThat(timer.scheduled()).isEqualTo(1);
		time.advanceTimeBy(IDLE);
		assertThat(connections).allMatch(RSocketPeerConnection::isDisposed);
		assertThat(expiries.size()).isZero();
	}

	@Test
	void aConnectionClosedOtherwiseLeavesTheQueue() {
		FakeRSocket rsocket = new FakeRSocket();
		connect(rsocket);
		assertThat(expiries.size()).isEqualTo(1);

		rsocket.dispose();

		assertThat(expiries.size()).isZero();
	}

	/** An RSocket whose requests never answer; only its close is observable. */
	private static final class FakeRSocket implements RSocket {

		private final Sinks.Empty<Void> closed = Sinks.empty();
		private volatile boolean disposed;

		@Override
		public Mono<Payload> requestResponse(Payload payload) {
			ByteBuf data = payload.data();
			assertThat(data).isNotNull();
			payload.release();
			return Mono.never();
		}

		@Override
		public Mono<Void> onClose() {
			return closed.asMono();
		}

		@Override
		public void dispose() {
			disposed = true;
			closed.tryEmitEmpty();
		}

		@Override
		public boolean isDisposed() {
			return disposed;
		}
	}
}
