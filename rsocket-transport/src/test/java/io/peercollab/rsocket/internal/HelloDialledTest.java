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

/**
 * The {@code dialled} field of a client's {@code hello} request: bounded and validated, naming the field; and the
 * answer's {@code resumableSessions}, which tells a client that the server numbers session frames from the start.
 */
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

	@Test
	void theAnswerSaysWhetherTheServerNumbersSessionFramesAndAClientReadsIt() {
		PayloadCodec codec = new PayloadCodec(131_072);
		Wire.Hello plain = hello("203.0.113.1:7000");
		assertThat(plain.numbersSessionFrames()).as("a server that keeps no resumable sessions").isFalse();
		Wire.Hello resuming = plain.resumingSessions();
		assertThat(resuming.resumableSessions()).isEqualTo(Wire.Hello.RESUMABLE_SESSIONS);
		for (Wire.Hello sent : new Wire.Hello[] {plain, resuming}) {
			// receive releases the payload
			byte[] data = codec.receive(codec.request(Route.HELLO, sent)).data();
			Wire.Hello read = PayloadCodec.decode(data, Wire.Hello.class, h -> h, "hello");
			assertThat(read).isEqualTo(sent);
		}
		// an earlier server's answer, without the key: the client waits for the session's first frame, as before
		assertThat(new Wire.Hello(1, 1, "i").numbersSessionFrames()).isFalse();
	}

	private Wire.Hello hello(String dialled) {
		return ConnectionPaths.hello(1, 1, "i", connection, new Wire.HelloRequest(dialled));
	}
}
