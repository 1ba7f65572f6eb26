// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks.rsocket;

import io.rsocket.Payload;

/** What a baseline client does with an answer: looks at its size and releases it. */
final class BareRequests {

	private BareRequests() {
	}

	static int consume(Payload p) {
		try {
			return p.data().readableBytes();
		}
		finally {
			p.release();
		}
	}
}
