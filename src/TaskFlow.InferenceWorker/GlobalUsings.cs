global using TaskFlow.InferenceWorker.Extensions;
