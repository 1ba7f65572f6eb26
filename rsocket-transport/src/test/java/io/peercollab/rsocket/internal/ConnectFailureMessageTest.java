// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;

import org.junit.jupiter.api.Test;

/**
 * A dial that fails without a message (the NAT matrix's "no route" to a private address read {@code ": null: /addr"})
 * says which exception and which address instead.
 */
class ConnectFailureMessageTest {

	private static final InetSocketAddress BOB = new InetSocketAddress("10.1.5.2", 39499);

	@Test
	void nettysAnnotationOfAMissingMessageIsReplacedByTheClassesAndTheAddress() {
		// what Netty's annotateConnectException makes of a JDK exception without a message
		ConnectException annotated = new ConnectException("null: /10.1.5.2:39499");
		annotated.initCause(new NoRouteToHostException());

		String message = ErrorCodes.connectFailure(annotated, BOB);

		assertThat(message).doesNotContain("null")
				.isEqualTo("ConnectException caused by NoRouteToHostException, with no message, dialling "
						+ "10.1.5.2:39499");
	}

	@Test
	void aMissingMessageNamesTheCausesMessageWhereItHasOne() {
		String message = ErrorCodes.connectFailure(new IllegalStateException(null,
				new java.io.IOException("Network is unreachable")), BOB);

		assertThat(message).isEqualTo("IllegalStateException caused by IOException (Network is unreachable), with "
				+ "no message, dialling 10.1.5.2:39499");
	}

	@Test
	void aMessageThatSaysSomethingIsKept() {
		assertThat(ErrorCodes.connectFailure(new ConnectException("Connection refused: /10.1.5.2:39499"), BOB))
				.isEqualTo("Connection refused: /10.1.5.2:39499");
	}
}
