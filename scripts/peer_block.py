#!/usr/bin/env python3
"""The PyTorch side of the block prototype (scripts/bench-block): the same MBConv block as
io.s3nas.bench.BlockPrototype (1x1 16->96, BN, ReLU, depthwise 5x5, BN, ReLU, 1x1 96->16, BN,
residual), forward + backward at batch 128, 28x28, median step time. Debian's python3-torch."""
import json, sys, time
import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 20
torch.set_num_threads(threads)
torch.manual_seed(1)
for channels_last in (False, True):
    block = torch.nn.Sequential(
        torch.nn.Conv2d(16, 96, 1, bias=False), torch.nn.BatchNorm2d(96, eps=1e-3), torch.nn.ReLU(),
        torch.nn.Conv2d(96, 96, 5, padding=2, groups=96, bias=False), torch.nn.BatchNorm2d(96, eps=1e-3), torch.nn.ReLU(),
        torch.nn.Conv2d(96, 16, 1, bias=False), torch.nn.BatchNorm2d(16, eps=1e-3))
    x = torch.randn(128, 16, 28, 28, requires_grad=True)
    g = torch.randn(128, 16, 28, 28)
    if channels_last:
        block = block.to(memory_format=torch.channels_last)
        x = x.detach().to(memory_format=torch.channels_last).requires_grad_()
        g = g.to(memory_format=torch.channels_last)
    ts = []
    for s in range(steps + 3):
        t0 = time.perf_counter()
        y = block(x) + x
        y.backward(g)
        if s >= 3:
            ts.append((time.perf_counter() - t0) * 1e3)
    ts.sort()
    med = ts[len(ts) // 2]
    print(json.dumps({"bench": "mbconv-block", "variant": "pytorch" + ("-channels-last" if channels_last else "-nchw"),
                      "threads": threads, "batch": 128, "fwd_bwd_ms_median": round(med, 2),
                      "fwd_bwd_ms_min": round(ts[0], 2), "block_images_per_s": round(128 / (med / 1000), 1)}))
