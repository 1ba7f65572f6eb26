// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.peercollab.IpLiterals;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * {@link PortMapper#remap()}, as a change of the host's interfaces calls it, against in-memory gateway clients: the
 * mapping held is deleted and asked for again at once, a new external address is emitted (the one to publish), an
 * unchanged one is not, and a remap after close does nothing.
 */
class PortMapperRemapTest {

	private static final InetAddress GATEWAY = IpLiterals.parseAddress("10.1.0.1");

	private static final Duration WAIT = Duration.ofSeconds(10);

	/** What the fake gateway did, in order: {@code map <host> <external port>}, {@code unmap <port>}, {@code close}. */
	private final List<String> log = new CopyOnWriteArrayList<>();

	/** The host's address the next client asks from, as after a new DHCP lease. */
	private volatile String host = "10.1.0.2";

	/** The external port the fake gateway grants next. */
	private final AtomicInteger nextPort = new AtomicInteger(40000);

	private final PortMapper.Clients fakes = (protocol, gateway, settings) -> Mono.fromSupplier(() -> new Fake(host));

	@Test
	void aRemapDeletesTheMappingAsksAgainAtOnceAndEmitsTheNewExternalAddress() {
		PortMapper mapper = PortMapper.start(7000, PortMapper.Settings.defaults().gateway(GATEWAY)
				.protocols(List.of("PCP")), fakes);
		try {
			StepVerifier.create(mapper.mappings().filter(Optional::isPresent).map(m -> m.get().external().getPort()))
					.expectNext(40000)
					.then(() -> {
						host = "10.1.0.3";
						nextPort.set(40001); // the old mapping still held port 40000 when the new one was asked
						mapper.remap();
					})
					.expectNext(40001)
					.thenCancel()
					.verify(WAIT);
			assertThat(log).containsExactly("map 10.1.0.2 40000", "unmap 40000", "close", "map 10.1.0.3 40001");
			assertThat(mapper.current()).map(m -> m.internal().getAddress().getHostAddress()).contains("10.1.0.3");
			assertThat(mapper.remaps()).isEqualTo(1);
		}
		finally {
			mapper.close().block(WAIT);
		}
		assertThat(log).endsWith("unmap 40001", "close");
	}

	@Test
	void aRemapThatGetsTheSameExternalAddressBackEmitsNothingNewAndAfterCloseNothingIsAsked() {
		PortMapper mapper = PortMapper.start(7000, PortMapper.Settings.defaults().gateway(GATEWAY)
				.protocols(List.of("PCP")), fakes);
		List<Optional<PortMapping>> emitted = new CopyOnWriteArrayList<>();
		mapper.mappings().subscribe(emitted::add);
		StepVerifier.create(mapper.grants().take(2))
				.then(mapper::remap)
				.expectNextMatches(m -> m.external().getPort() == 40000)
				.then(mapper::remap)
				.expectNextMatches(m -> m.external().getPort() == 40000)
				.verifyComplete();
		assertThat(emitted).as("the one external address, not emitted again")
				.extracting(m -> m.map(x -> x.external().getPort()).orElse(0)).containsExactly(40000);
		StepVerifier.create(mapper.close()).expectComplete().verify(WAIT);
		int asked = log.size();
		mapper.remap();
		assertThat(mapper.current()).isEmpty();
		assertThat(log).hasSize(asked).endsWith("unmap 40000", "close");
	}

	/** A client whose gateway grants {@link #nextPort} (or the port asked, when renewing) to {@code host}. */
	private final class Fake implements MappingClient {

		private final String address;

		Fake(String address) {
			this.address = address;
		}

		@Override
		public String protocol() {
			return "PCP";
		}

		@Override
		public Mono<PortMapping> map(int internalPort, int externalPort, Duration lifetime) {
			return Mono.fromSupplier(() -> {
				int port = nextPort.get();
				log.add("map " + address + " " + port);
				return new PortMapping("PCP", new InetSocketAddress(IpLiterals.parseAddress(address), internalPort),
						new InetSocketAddress(IpLiterals.parseAddress("203.0.113.10"), port), lifetime);
			});
		}

		@Override
		public Mono<Void> unmap(PortMapping mapping) {
			return Mono.fromRunnable(() -> log.add("unmap " + mapping.external().getPort()));
		}

		@Override
		public Mono<Void> close() {
			return Mono.fromRunnable(() -> log.add("close"));
		}
	}
}
