// Command istiod-supervisor runs Istio's real control plane on the local test
// cluster of Istio Revisions: one pilot-discovery (istiod) process per
// installed revision, out of cluster, against the local API server.
//
// What it does, and why each part exists:
//
//   - Revisions: it watches Deployments labelled app=istiod in the Istio
//     namespace. For each one with replicas > 0 it runs
//     `pilot-discovery discovery` with REVISION=<istio.io/rev label or
//     "default">, its own loopback ports and its own working directory; when
//     the Deployment is deleted or scaled to zero the process is stopped (as a
//     real istiod goes away with its pods). istiod reads the revision's own
//     ConfigMaps (mesh config istio[-<rev>], injector template and values
//     istio-sidecar-injector[-<rev>]) through the API, so every injection and
//     validation decision is istiod's own.
//   - Routing: a cluster has kube-proxy and Services; this bench has neither
//     (127.0.0.1 is not a valid endpoint address). So Istio's webhooks (names
//     ending in sidecar-injector.istio.io; VWCs istio-validator* and
//     istiod-default-validator) get clientConfig
//     url=https://127.0.0.1:<front>/rev/<rev>/inject (or /validate), where
//     <rev> is the configuration's istio.io/rev label — a tag's webhooks carry
//     the revision they point at — and caBundle = the bench CA. The front
//     listener forwards each request, unchanged, to the istiod of <rev>; when
//     none runs it answers 503, which the API server treats like a Service
//     without endpoints (Istio's webhooks are failurePolicy: Fail). Selectors,
//     rules and failure policies are never touched.
//   - Status: GET /status on the front listener (and <state-dir>/istiods.json)
//     lists the running istiods, their ports, pids, readiness and logs.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	admregv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"
)

var (
	kubeconfig       = flag.String("kubeconfig", "", "kubeconfig of the supervisor (webhook routing, Deployment watch)")
	istiodKubeconfig = flag.String("istiod-kubeconfig", "", "kubeconfig given to each istiod (default: --kubeconfig)")
	pilotDiscovery   = flag.String("pilot-discovery", "pilot-discovery", "pilot-discovery binary")
	listen           = flag.String("listen", "127.0.0.1:0", "front TLS address the webhooks call (loopback only)")
	certFile         = flag.String("cert", "", "serving certificate (PEM) for 127.0.0.1, from the bench CA; also istiod's")
	keyFile          = flag.String("key", "", "serving key (PEM)")
	caFile           = flag.String("ca", "", "bench CA (PEM): the webhooks' caBundle and istiod's --caCertFile")
	portFile         = flag.String("port-file", "", "file to write the front port to once serving")
	stateDir         = flag.String("state-dir", "", "folder for istiod working directories and istiods.json")
	logDir           = flag.String("log-dir", "", "folder for istiod-<rev>.log")
	istioNamespace   = flag.String("istio-namespace", "istio-system", "namespace of the istiod Deployments")
)

type ports struct {
	HTTPS      int `json:"https"`
	GRPC       int `json:"grpc"`
	HTTP       int `json:"http"`
	Monitoring int `json:"monitoring"`
	SecureGRPC int `json:"secureGRPC"`
	Ctrlz      int `json:"ctrlz"`
}

type istiod struct {
	Revision   string    `json:"revision"`
	Deployment string    `json:"deployment"`
	Pid        int       `json:"pid"`
	Ports      ports     `json:"ports"`
	Ready      bool      `json:"ready"`
	Log        string    `json:"log"`
	StartedAt  time.Time `json:"startedAt"`
	Restarts   int       `json:"restarts"`
	Env        []string  `json:"env"`
	wantKey    string
	cmd        *exec.Cmd
	done       chan struct{}
	stopping   bool
	proxy      *httputil.ReverseProxy
}

type supervisor struct {
	client  kubernetes.Interface
	vwcInf  cache.SharedIndexInformer
	cmInf   cache.SharedIndexInformer
	ca      []byte
	base    string
	tlsCert tls.Certificate
	pool    *x509.CertPool

	mu      sync.Mutex
	istiods map[string]*istiod // by revision
	wanted  map[string]want    // by revision: Deployments with replicas > 0
}

// What the revision's Deployment asks for: its name and the literal env of
// its discovery container (PILOT_*, ENABLE_NATIVE_SIDECARS, CLUSTER_ID, ...,
// rendered from values.pilot.env), which istiod reads from its process env.
type want struct {
	deployment string
	env        []string
	seen       time.Time
}

func (w want) key() string { return w.deployment + "\x00" + strings.Join(w.env, "\x00") }

// Env the bench sets itself (out-of-cluster addresses and identity), or that
// a Deployment fills from the downward API.
var benchEnv = map[string]bool{"REVISION": true, "POD_NAME": true, "POD_NAMESPACE": true, "KUBECONFIG": true,
	"SERVICE_ACCOUNT": true, "GOMAXPROCS": true, "GOMEMLIMIT": true, "ISTIOD_CUSTOM_HOST": true,
	"INJECTION_WEBHOOK_CONFIG_NAME": true, "VALIDATION_WEBHOOK_CONFIG_NAME": true, "HOME": true}

func wantOf(d *appsv1.Deployment) want {
	w := want{deployment: d.Name}
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name != "discovery" {
			continue
		}
		for _, e := range c.Env {
			if e.ValueFrom == nil && !benchEnv[e.Name] {
				w.env = append(w.env, e.Name+"="+e.Value)
			}
		}
	}
	return w
}

func main() {
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	log.SetPrefix("[istiod-supervisor] ")
	if *istiodKubeconfig == "" {
		*istiodKubeconfig = *kubeconfig
	}
	if *stateDir == "" || *logDir == "" {
		log.Fatal("--state-dir and --log-dir are required")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("kubeconfig: %v", err)
	}
	cfg.QPS, cfg.Burst = 100, 200
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		log.Fatalf("client: %v", err)
	}
	ca, err := os.ReadFile(*caFile)
	if err != nil {
		log.Fatalf("ca: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		log.Fatalf("ca: %s holds no PEM certificate", *caFile)
	}
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatalf("serving cert: %v", err)
	}
	if host, _, err := net.SplitHostPort(*listen); err != nil || !(host == "127.0.0.1" || host == "localhost") {
		log.Fatalf("--listen must be a loopback address, got %q", *listen)
	}
	if _, err := exec.LookPath(*pilotDiscovery); err != nil {
		log.Fatalf("pilot-discovery: %v", err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	s := &supervisor{
		client: client, ca: ca, tlsCert: cert, pool: pool,
		base:    fmt.Sprintf("https://127.0.0.1:%d", port),
		istiods: map[string]*istiod{}, wanted: map[string]want{},
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/rev/", s.serveRev)
	mux.HandleFunc("/vwc/", s.serveVWC)
	mux.HandleFunc("/status", s.serveStatus)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	srv := &http.Server{
		Handler:           mux,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		if err := srv.ServeTLS(ln, "", ""); err != nil && err != http.ErrServerClosed {
			log.Fatalf("serve: %v", err)
		}
	}()

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()
	s.run(ctx)
	s.writeState()
	if *portFile != "" {
		if err := os.WriteFile(*portFile+".tmp", []byte(fmt.Sprint(port)), 0o644); err != nil {
			log.Fatalf("port file: %v", err)
		}
		if err := os.Rename(*portFile+".tmp", *portFile); err != nil {
			log.Fatalf("port file: %v", err)
		}
	}
	log.Printf("front listener on %s", s.base)
	<-ctx.Done()
	s.stopAll()
	shutdownCtx, c2 := context.WithTimeout(context.Background(), 2*time.Second)
	defer c2()
	_ = srv.Shutdown(shutdownCtx)
}

// ---------------------------------------------------------------- front listener

// /rev/<rev>/<path> → https://127.0.0.1:<istiod of rev>/<path>
func (s *supervisor) serveRev(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/rev/")
	rev, path, _ := strings.Cut(rest, "/")
	s.forward(w, r, rev, path)
}

// /vwc/<name>/<path> → the istiod of the istio.io/rev label that ValidatingWebhookConfiguration
// <name> carries now. Helm's base chart renders istiod-default-validator with a URL from its
// values (base.validationURL) that stays the same when defaultRevision moves; on a cluster its
// Service (istiod-<defaultRevision>) would route it, here its label does. The supervisor never
// rewrites such a URL, so Helm's server-side apply owns it alone (no field conflicts on upgrade).
func (s *supervisor) serveVWC(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/vwc/")
	name, path, _ := strings.Cut(rest, "/")
	rev := ""
	if s.vwcInf != nil {
		if o, ok, _ := s.vwcInf.GetStore().GetByKey(name); ok {
			if v, ok := o.(*admregv1.ValidatingWebhookConfiguration); ok {
				rev = revisionOf(v.ObjectMeta)
			}
		}
	}
	if rev == "" {
		http.Error(w, fmt.Sprintf("no ValidatingWebhookConfiguration %q", name), http.StatusServiceUnavailable)
		return
	}
	s.forward(w, r, rev, path)
}

func (s *supervisor) forward(w http.ResponseWriter, r *http.Request, rev, path string) {
	s.mu.Lock()
	d := s.istiods[rev]
	var proxy *httputil.ReverseProxy
	if d != nil && d.Ready {
		proxy = d.proxy
	}
	s.mu.Unlock()
	if proxy == nil {
		http.Error(w, fmt.Sprintf("no istiod of revision %q is running", rev), http.StatusServiceUnavailable)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + path
	r2.URL.RawPath = ""
	proxy.ServeHTTP(w, r2)
}

func (s *supervisor) newProxy(p ports) *httputil.ReverseProxy {
	target := &url.URL{Scheme: "https", Host: fmt.Sprintf("127.0.0.1:%d", p.HTTPS)}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: s.pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: 32,
		IdleConnTimeout:     30 * time.Second,
	}
	rp.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, err error) {
		http.Error(w, "istiod unreachable: "+err.Error(), http.StatusBadGateway)
	}
	return rp
}

func (s *supervisor) serveStatus(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.snapshot())
}

type status struct {
	Front   string    `json:"front"`
	Istiods []istiod  `json:"istiods"`
	At      time.Time `json:"at"`
}

func (s *supervisor) snapshot() status {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := status{Front: s.base, At: time.Now()}
	for _, d := range s.istiods {
		out.Istiods = append(out.Istiods, *d)
	}
	sort.Slice(out.Istiods, func(i, j int) bool { return out.Istiods[i].Revision < out.Istiods[j].Revision })
	return out
}

func (s *supervisor) writeState() {
	b, _ := json.MarshalIndent(s.snapshot(), "", "  ")
	f := filepath.Join(*stateDir, "istiods.json")
	if err := os.WriteFile(f+".tmp", b, 0o644); err == nil {
		_ = os.Rename(f+".tmp", f)
	}
}

// ---------------------------------------------------------------- istiod processes

func revisionOf(meta metav1.ObjectMeta) string {
	if r := meta.Labels["istio.io/rev"]; r != "" {
		return r
	}
	return "default"
}

// freePort draws from 24000–32767, below the kernel's ephemeral range: a port
// taken from that range (listen on :0) can become an outgoing connection's
// source port before pilot-discovery binds it ("address already in use").
// The cluster script's own allocator takes 15000–23999, so the two never hand
// out the same port.
func freePort() (int, error) {
	lo, hi := 24000, 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		var low int
		if _, err := fmt.Sscan(string(b), &low); err == nil && low < hi {
			hi = low
		}
	}
	for i := 0; hi > lo && i < 200; i++ {
		port := lo + rand.IntN(hi-lo)
		if handedOut[port] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		l.Close()
		handedOut[port] = true
		return port, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// handedOut is only touched under supervisor.mu (startLocked).
var handedOut = map[int]bool{}

func (s *supervisor) reconcile(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for rev, d := range s.istiods {
		if w, ok := s.wanted[rev]; !ok || w.key() != d.wantKey {
			s.stopLocked(d)
			delete(s.istiods, rev)
			if ok {
				log.Printf("istiod %s stopped: its Deployment changed (restarting with the new env)", rev)
			} else {
				log.Printf("istiod %s stopped: its Deployment is gone or scaled to zero", rev)
			}
		}
	}
	for rev, w := range s.wanted {
		if d := s.istiods[rev]; d == nil {
			// istiod reads the injector ConfigMap once at start (no ConfigMap: no injection
			// for its lifetime), so wait for it as a pod would wait for its volume.
			if !s.injectorConfigExists(rev) && time.Since(w.seen) < 20*time.Second {
				continue
			}
			if err := s.startLocked(ctx, rev, w, 0); err != nil {
				log.Printf("start istiod %s: %v", rev, err)
			}
		}
	}
	go s.writeState()
}

func (s *supervisor) injectorConfigExists(rev string) bool {
	name := "istio-sidecar-injector"
	if rev != "default" {
		name += "-" + rev
	}
	_, ok, _ := s.cmInf.GetStore().GetByKey(*istioNamespace + "/" + name)
	return ok
}

func (s *supervisor) startLocked(ctx context.Context, rev string, w want, restarts int) error {
	deployment := w.deployment
	var p ports
	for _, ptr := range []*int{&p.HTTPS, &p.GRPC, &p.HTTP, &p.Monitoring, &p.SecureGRPC, &p.Ctrlz} {
		port, err := freePort()
		if err != nil {
			return err
		}
		*ptr = port
	}
	work := filepath.Join(*stateDir, "istiod-"+rev)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	logPath := filepath.Join(*logDir, "istiod-"+rev+".log")
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	suffix := ""
	if rev != "default" {
		suffix = "-" + rev
	}
	podName := s.podName(ctx, rev, deployment)
	args := []string{"discovery",
		"--kubeconfig", *istiodKubeconfig,
		"--httpsAddr", fmt.Sprintf("127.0.0.1:%d", p.HTTPS),
		"--grpcAddr", fmt.Sprintf("127.0.0.1:%d", p.GRPC),
		"--httpAddr", fmt.Sprintf("127.0.0.1:%d", p.HTTP),
		"--monitoringAddr", fmt.Sprintf("127.0.0.1:%d", p.Monitoring),
		"--secureGRPCAddr", fmt.Sprintf("127.0.0.1:%d", p.SecureGRPC),
		"--ctrlz_port", fmt.Sprint(p.Ctrlz), "--ctrlz_address", "127.0.0.1",
		"--tlsCertFile", *certFile, "--tlsKeyFile", *keyFile, "--caCertFile", *caFile,
		"--log_output_level", "default:info",
	}
	cmd := exec.Command(*pilotDiscovery, args...)
	cmd.Dir = work
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.Env = append(append(os.Environ(), w.env...),
		"HOME="+work,
		"REVISION="+rev,
		"POD_NAMESPACE="+*istioNamespace,
		"POD_NAME="+podName,
		"ISTIOD_CUSTOM_HOST=localhost",
		"INJECTION_WEBHOOK_CONFIG_NAME=istio-sidecar-injector"+suffix,
		"VALIDATION_WEBHOOK_CONFIG_NAME=istio-validator"+suffix+"-"+*istioNamespace,
		"KUBECONFIG="+*istiodKubeconfig,
	)
	// istiod dies with the supervisor, whatever kills it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	fmt.Fprintf(lf, "---- %s istiod %s starting: %s %s\n", time.Now().Format(time.RFC3339), rev, *pilotDiscovery, strings.Join(args, " "))
	if err := cmd.Start(); err != nil {
		lf.Close()
		return err
	}
	d := &istiod{Revision: rev, Deployment: deployment, Pid: cmd.Process.Pid, Ports: p, Log: logPath,
		StartedAt: time.Now(), Restarts: restarts, Env: w.env, wantKey: w.key(), cmd: cmd, done: make(chan struct{}), proxy: s.newProxy(p)}
	s.istiods[rev] = d
	log.Printf("istiod %s started: pid %d, https %d, grpc %d, http %d, log %s", rev, d.Pid, p.HTTPS, p.GRPC, p.HTTP, logPath)
	go func() {
		err := cmd.Wait()
		lf.Close()
		close(d.done)
		s.mu.Lock()
		stopping := d.stopping
		cur := s.istiods[rev]
		if !stopping && cur == d {
			// crashed: start again after a pause, as a Deployment's pod would be
			log.Printf("istiod %s exited unexpectedly (%v); restarting in 2s", rev, err)
			delete(s.istiods, rev)
		}
		s.mu.Unlock()
		if !stopping && cur == d {
			select {
			case <-ctx.Done():
				return
			case <-time.After(2 * time.Second):
			}
			s.mu.Lock()
			if w, ok := s.wanted[rev]; ok && s.istiods[rev] == nil {
				if err := s.startLocked(ctx, rev, w, restarts+1); err != nil {
					log.Printf("restart istiod %s: %v", rev, err)
				}
			}
			s.mu.Unlock()
			s.writeState()
		}
	}()
	go s.waitReady(ctx, d)
	return nil
}

// The pod istiod's Deployment runs on the bench (a kwok pod), so syncz and
// leader election name a pod that exists.
func (s *supervisor) podName(ctx context.Context, rev, deployment string) string {
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	pods, err := s.client.CoreV1().Pods(*istioNamespace).List(c, metav1.ListOptions{LabelSelector: "app=istiod,istio.io/rev=" + rev})
	if err == nil {
		for _, p := range pods.Items {
			if p.DeletionTimestamp == nil {
				return p.Name
			}
		}
	}
	return deployment + "-bench"
}

func (s *supervisor) waitReady(ctx context.Context, d *istiod) {
	hc := &http.Client{Timeout: 2 * time.Second}
	u := fmt.Sprintf("http://127.0.0.1:%d/ready", d.Ports.HTTP)
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.done:
			return
		case <-time.After(200 * time.Millisecond):
		}
		resp, err := hc.Get(u)
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			s.mu.Lock()
			d.Ready = true
			s.mu.Unlock()
			log.Printf("istiod %s ready (%s after start)", d.Revision, time.Since(d.StartedAt).Round(time.Millisecond))
			s.writeState()
			return
		}
	}
}

func (s *supervisor) stopLocked(d *istiod) {
	d.stopping = true
	d.Ready = false
	if d.cmd.Process == nil {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	go func() {
		select {
		case <-d.done:
		case <-time.After(5 * time.Second):
			_ = d.cmd.Process.Kill()
		}
	}()
}

func (s *supervisor) stopAll() {
	s.mu.Lock()
	var ds []*istiod
	for _, d := range s.istiods {
		s.stopLocked(d)
		ds = append(ds, d)
	}
	s.mu.Unlock()
	for _, d := range ds {
		select {
		case <-d.done:
		case <-time.After(6 * time.Second):
		}
	}
}

// ---------------------------------------------------------------- watches

func (s *supervisor) run(ctx context.Context) {
	nsFactory := informers.NewSharedInformerFactoryWithOptions(s.client, 10*time.Minute, informers.WithNamespace(*istioNamespace),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = "app=istiod" }))
	depInf := nsFactory.Apps().V1().Deployments().Informer()
	onDeps := func(interface{}) {
		wanted := map[string]want{}
		s.mu.Lock()
		prev := s.wanted
		s.mu.Unlock()
		for _, obj := range depInf.GetStore().List() {
			d := obj.(*appsv1.Deployment)
			if d.DeletionTimestamp != nil || (d.Spec.Replicas != nil && *d.Spec.Replicas == 0) {
				continue
			}
			rev := revisionOf(d.ObjectMeta)
			w := wantOf(d)
			w.seen = time.Now()
			if p, ok := prev[rev]; ok {
				w.seen = p.seen
			}
			wanted[rev] = w
		}
		s.mu.Lock()
		s.wanted = wanted
		s.mu.Unlock()
		s.reconcile(ctx)
	}
	depInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: onDeps, UpdateFunc: func(_, n interface{}) { onDeps(n) }, DeleteFunc: onDeps,
	})

	cmFactory := informers.NewSharedInformerFactoryWithOptions(s.client, 10*time.Minute, informers.WithNamespace(*istioNamespace))
	s.cmInf = cmFactory.Core().V1().ConfigMaps().Informer()
	s.cmInf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: func(obj interface{}) { go s.reconcile(ctx) }})
	go func() { // a revision waiting for its injector ConfigMap starts after 20 s at the latest
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(2 * time.Second):
				s.reconcile(ctx)
			}
		}
	}()
	cmFactory.Start(ctx.Done())
	cmFactory.WaitForCacheSync(ctx.Done())

	factory := informers.NewSharedInformerFactory(s.client, 10*time.Minute)
	mwcInf := factory.Admissionregistration().V1().MutatingWebhookConfigurations().Informer()
	vwcInf := factory.Admissionregistration().V1().ValidatingWebhookConfigurations().Informer()
	s.vwcInf = vwcInf
	onMWC := func(obj interface{}) {
		if m, ok := obj.(*admregv1.MutatingWebhookConfiguration); ok {
			s.rewireMWC(ctx, m)
		}
	}
	onVWC := func(obj interface{}) {
		if v, ok := obj.(*admregv1.ValidatingWebhookConfiguration); ok {
			s.rewireVWC(ctx, v)
		}
	}
	mwcInf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: onMWC, UpdateFunc: func(_, n interface{}) { onMWC(n) }})
	vwcInf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: onVWC, UpdateFunc: func(_, n interface{}) { onVWC(n) }})
	nsFactory.Start(ctx.Done())
	factory.Start(ctx.Done())
	nsFactory.WaitForCacheSync(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
}

// ---------------------------------------------------------------- webhook routing

func isIstioInjectorWebhook(name string) bool {
	return strings.HasSuffix(name, "sidecar-injector.istio.io")
}

func isIstioValidator(vwc *admregv1.ValidatingWebhookConfiguration) bool {
	return strings.HasPrefix(vwc.Name, "istio-validator") || vwc.Name == "istiod-default-validator"
}

// Where a webhook call for rev goes: the path istiod serves, behind /rev/<rev>.
func (s *supervisor) clientConfig(rev string, cur admregv1.WebhookClientConfig, defPath string) admregv1.WebhookClientConfig {
	path := defPath
	if cur.Service != nil && cur.Service.Path != nil && *cur.Service.Path != "" {
		path = *cur.Service.Path
	} else if cur.URL != nil {
		if u, err := url.Parse(*cur.URL); err == nil && strings.HasPrefix(u.Path, "/rev/") {
			if _, p, ok := strings.Cut(strings.TrimPrefix(u.Path, "/rev/"), "/"); ok {
				path = "/" + p
			}
		}
	}
	u := s.base + "/rev/" + rev + path
	return admregv1.WebhookClientConfig{URL: &u, CABundle: s.ca}
}

func sameClientConfig(a, b admregv1.WebhookClientConfig) bool {
	return a.Service == nil && b.Service == nil && a.URL != nil && b.URL != nil && *a.URL == *b.URL && string(a.CABundle) == string(b.CABundle)
}

func (s *supervisor) rewireMWC(ctx context.Context, m *admregv1.MutatingWebhookConfiguration) {
	needs := func(cur *admregv1.MutatingWebhookConfiguration) bool {
		rev, changed := revisionOf(cur.ObjectMeta), false
		for i := range cur.Webhooks {
			if !isIstioInjectorWebhook(cur.Webhooks[i].Name) {
				continue
			}
			want := s.clientConfig(rev, cur.Webhooks[i].ClientConfig, "/inject")
			if !sameClientConfig(cur.Webhooks[i].ClientConfig, want) {
				cur.Webhooks[i].ClientConfig = want
				changed = true
			}
		}
		return changed
	}
	if !needs(m.DeepCopy()) {
		return
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := s.client.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, m.Name, metav1.GetOptions{})
		if err != nil || !needs(cur) {
			return err
		}
		_, err = s.client.AdmissionregistrationV1().MutatingWebhookConfigurations().Update(ctx, cur, metav1.UpdateOptions{FieldManager: "istio-revisions-bench"})
		if err == nil {
			log.Printf("routed MutatingWebhookConfiguration %s -> istiod %s", cur.Name, revisionOf(cur.ObjectMeta))
		}
		return err
	})
	if err != nil && !apierrors.IsNotFound(err) && ctx.Err() == nil {
		log.Printf("route MWC %s: %v", m.Name, err)
	}
}

func (s *supervisor) rewireVWC(ctx context.Context, v *admregv1.ValidatingWebhookConfiguration) {
	if !isIstioValidator(v) {
		return
	}
	needs := func(cur *admregv1.ValidatingWebhookConfiguration) bool {
		rev, changed := revisionOf(cur.ObjectMeta), false
		for i := range cur.Webhooks {
			if c := cur.Webhooks[i].ClientConfig; c.Service == nil && c.URL != nil && strings.HasPrefix(*c.URL, s.base+"/vwc/"+cur.Name+"/") {
				// routed by name (serveVWC): the URL stays; only the CA is the bench's
				if string(c.CABundle) != string(s.ca) {
					cur.Webhooks[i].ClientConfig.CABundle = s.ca
					changed = true
				}
				continue
			}
			want := s.clientConfig(rev, cur.Webhooks[i].ClientConfig, "/validate")
			if !sameClientConfig(cur.Webhooks[i].ClientConfig, want) {
				cur.Webhooks[i].ClientConfig = want
				changed = true
			}
		}
		return changed
	}
	if !needs(v.DeepCopy()) {
		return
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := s.client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, v.Name, metav1.GetOptions{})
		if err != nil || !needs(cur) {
			return err
		}
		_, err = s.client.AdmissionregistrationV1().ValidatingWebhookConfigurations().Update(ctx, cur, metav1.UpdateOptions{FieldManager: "istio-revisions-bench"})
		if err == nil {
			log.Printf("routed ValidatingWebhookConfiguration %s -> istiod %s", cur.Name, revisionOf(cur.ObjectMeta))
		}
		return err
	})
	if err != nil && !apierrors.IsNotFound(err) && ctx.Err() == nil {
		log.Printf("route VWC %s: %v", v.Name, err)
	}
}
