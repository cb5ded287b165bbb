package dev.agentmanager.benchmarks;

import com.netflix.appinfo.ApplicationInfoManager;
import com.netflix.appinfo.DataCenterInfo;
import com.netflix.appinfo.InstanceInfo;
import com.netflix.appinfo.LeaseInfo;
import com.netflix.appinfo.MyDataCenterInfo;
import com.netflix.appinfo.MyDataCenterInstanceConfig;
import com.netflix.config.ConfigurationManager;
import com.netflix.discovery.DefaultEurekaClientConfig;
import com.netflix.discovery.EurekaClientConfig;
import com.netflix.eureka.DefaultEurekaServerConfig;
import com.netflix.eureka.EurekaServerConfig;
import com.netflix.eureka.cluster.PeerEurekaNode;
import com.netflix.eureka.cluster.PeerEurekaNodes;
import com.netflix.eureka.registry.PeerAwareInstanceRegistryImpl;
import com.netflix.eureka.resources.DefaultServerCodecs;
import com.netflix.eureka.resources.ServerCodecs;

/**
 * Netflix Eureka's server-side registry, in process: {@link PeerAwareInstanceRegistryImpl} with an empty,
 * never-started peer set (replication off: {@code renew} finds no peer to replicate to), its response cache
 * initialised as the server does, self-preservation off so that {@code evict} expires what is overdue. No
 * HTTP, no client, no timers of the server's bootstrap.
 */
final class EurekaRegistry extends PeerAwareInstanceRegistryImpl {
    static final String APP = "AGENT";
    private static final DataCenterInfo DATA_CENTER = new MyDataCenterInfo(DataCenterInfo.Name.MyOwn);

    static {
        ConfigurationManager.getConfigInstance().setProperty("eureka.enableSelfPreservation", "false");
        ConfigurationManager.getConfigInstance().setProperty("eureka.registration.enabled", "false");
        ConfigurationManager.getConfigInstance().setProperty("eureka.shouldFetchRegistry", "false");
    }

    /** The server's own instance: Eureka's monitors read it from the (static) ApplicationInfoManager. */
    private static final ApplicationInfoManager SELF = selfInfo();

    private static ApplicationInfoManager selfInfo() {
        ApplicationInfoManager manager = ApplicationInfoManager.getInstance();
        manager.initComponent(new MyDataCenterInstanceConfig());
        return manager;
    }

    private EurekaRegistry(EurekaServerConfig serverConfig, EurekaClientConfig clientConfig, ServerCodecs codecs) {
        super(serverConfig, clientConfig, codecs, null, null);
    }

    static EurekaRegistry create() {
        EurekaServerConfig serverConfig = new DefaultEurekaServerConfig();
        EurekaClientConfig clientConfig = new DefaultEurekaClientConfig();
        ServerCodecs codecs = new DefaultServerCodecs(serverConfig);
        EurekaRegistry registry = new EurekaRegistry(serverConfig, clientConfig, codecs);
        registry.peerEurekaNodes =
                new PeerEurekaNodes(
                        registry,
                        serverConfig,
                        clientConfig,
                        codecs,
                        SELF) { // never started: no peers, replication off
                    @Override
                    protected PeerEurekaNode createPeerEurekaNode(String peerEurekaNodeUrl) {
                        throw new UnsupportedOperationException("no peers in this benchmark");
                    }
                };
        registry.initializedResponseCache();
        return registry;
    }

    /** A bare instance: id, app, host, address, port, lease of {@code leaseSeconds}. */
    static InstanceInfo instance(String id, int leaseSeconds) {
        return InstanceInfo.Builder.newBuilder()
                .setInstanceId(id)
                .setAppName(APP)
                .setHostName(id + ".agents.example")
                .setIPAddr("10.0.0.1")
                .setPort(8080)
                .setDataCenterInfo(DATA_CENTER)
                .setLeaseInfo(LeaseInfo.Builder.newBuilder()
                        .setDurationInSecs(leaseSeconds)
                        .build())
                .setStatus(InstanceInfo.InstanceStatus.UP)
                .build();
    }

    static String id(int i) {
        return "agent-" + i;
    }

    /** Registers {@code count} instances {@code agent-0 ...} with a 90 s lease. */
    void registerFleet(int count) {
        for (int i = 0; i < count; i++) {
            register(instance(id(i), 90), 90, false);
        }
    }
}
