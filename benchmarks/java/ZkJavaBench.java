// ZooKeeper's own Java client, measured the same way as hakit_bench_zk (64-byte node, synchronous
// getData / setData round trips, median and p90), so both can run back to back against one server.
// Build and run: benchmarks/java/run_java_bench.sh HOST:PORT [ITERATIONS]
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

public final class ZkJavaBench {
    private static void report(String name, long[] nanos) {
        Arrays.sort(nanos);
        double median = nanos[nanos.length / 2] / 1000.0;
        double p90 = nanos[(int) (nanos.length * 0.9)] / 1000.0;
        System.out.printf("java %-22s n=%d   median %8.1f us   p90 %8.1f us%n", name, nanos.length, median, p90);
    }

    public static void main(String[] args) throws Exception {
        String connect = args[0];
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(connect, 10000, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) connected.countDown();
        });
        connected.await();
        String path = "/hakit-java-bench-" + ProcessHandle.current().pid();
        byte[] data = new byte[64];
        Arrays.fill(data, (byte) 'x');
        try {
            zk.create(path, data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        } catch (KeeperException.NodeExistsException ignored) {
        }
        for (int i = 0; i < 500; ++i) zk.getData(path, false, null);  // JIT warm-up
        long[] get = new long[n];
        for (int i = 0; i < n; ++i) {
            long t0 = System.nanoTime();
            zk.getData(path, false, null);
            get[i] = System.nanoTime() - t0;
        }
        long[] set = new long[n];
        for (int i = 0; i < n; ++i) {
            long t0 = System.nanoTime();
            zk.setData(path, data, -1);
            set[i] = System.nanoTime() - t0;
        }
        report("getData", get);
        report("setData", set);
        zk.delete(path, -1);
        zk.close();
    }
}
