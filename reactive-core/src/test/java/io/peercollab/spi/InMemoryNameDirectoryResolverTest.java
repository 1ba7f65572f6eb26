// SPDX-License-Identifier: Apache-2.0
package io.peercollab.spi;

import java.util.List;

import io.peercollab.PeerEndPoint;
import io.peercollab.identity.PeerIdentity;
import reactor.test.StepVerifier;

/** {@link InMemoryNameDirectory} as a resolver, against the {@link PeerNameResolverContract}. */
class InMemoryNameDirectoryResolverTest extends PeerNameResolverContract {

	private final InMemoryNameDirectory directory = new InMemoryNameDirectory();

	@Override
	protected PeerNameResolver resolver() {
		return directory;
	}

	@Override
	protected void store(PeerIdentity identity, List<PeerEndPoint> endPoints) {
		StepVerifier.create(directory.publish(identity, endPoints)).expectComplete().verify(bound());
	}

	@Override
	protected EndpointSource source() {
		return EndpointSource.DHT;
	}

	@Override
	protected PeerNameResolver unreachable() {
		InMemoryNameDirectory offline = new InMemoryNameDirectory();
		offline.reachable(false);
		return offline;
	}
}
