public enum TesseraCanvasPlaceholder {}
