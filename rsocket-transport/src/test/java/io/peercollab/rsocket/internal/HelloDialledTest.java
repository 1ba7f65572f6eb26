// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;

import io.netty.channel.embedded.EmbeddedChannel;
import io.peercollab.ConnectionPath;
import io.peercollab.InvalidRequestException;
import io.peercollab.internal.flow.Expiries;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

/** The {@code dialled} field of a client's {@code hello} request: bounded and validated, naming the field. */
class HelloDialledTest {

	private final InboundConnections.Connection connection = new InboundConnections(TransportSettings.DEFAULTS,
			new Expiries(Schedulers.parallel())).new Connection(new EmbeddedChannel(),
					new InetSocketAddress("203.0.113.9", 40000));

	@Test
	void aTooLongOrMalformedDialledAddressIsRefusedNamingTheField() {
		assertThatThrownBy(() -> hello("1".repeat(65)))
				.isInstanceOf(InvalidRequestException.class)
				.hasMessage("hello request field 'dialled' is 65 characters, the limit is 64");
		for (String bad : new String[] {"bob.example:7000", "203.0.113.1", "203.0.113.1:0", ""}) {
			assertThatThrownBy(() -> hello(bad)).as(bad).isInstanceOf(InvalidRequestException.class)
					.hasMessageStartingWith("hello request field 'dialled' must be an IP literal and port: ");
		}
	}

	@Test
	void aValidOrAbsentDialledAddressIsAnswered() {
		assertThat(hello("203.0.113.1:7000").path()).isEqualTo(ConnectionPath.DIRECT.name());
		assertThat(ConnectionPaths.hello(1, 1, "i", connection, new Wire.HelloRequest(null)).path())
				.isEqualTo(ConnectionPath.DIRECT.name());
	}

	private Wire.Hello hello(String dialled) {
		return ConnectionPaths.hello(1, 1, "i", connection, new Wire.HelloRequest(dialled));
	}
}
